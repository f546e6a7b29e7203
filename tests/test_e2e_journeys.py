"""Issue 15, point 1: whole journeys across roles in a real browser, one screenshot per step
(kept under CSC_SCREENSHOTS when it is set).

- Admission: a person applies on a phone and confirms the e-mail; counter staff record the ID
  check; the board approves; the new member signs in on the phone, sees the quota and updates
  the forecast.
- The treasurer books an expense with its receipt, runs the fees due, and finds the expense in
  the annual audit they download.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from club.roles import Role
from finance.models import Expense
from members.models import Application, Member
from tests.browser import sign_in
from tests.factories import born_years_ago, make_user, set_rules
from tests.pdfs import pdf_text
from tests.test_e2e_walks import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Kx9!long-unique-pass"


def test_admission_from_the_application_to_the_members_first_forecast(
    page: Any, live_server: Any
) -> None:
    set_rules("DE")
    make_user(roles=(Role.COUNTER,), mfa=True, email="desk@test.example")
    make_user(roles=(Role.BOARD,), mfa=True, email="board@test.example")
    phone_context = page.context.browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    phone = phone_context.new_page()
    phone.set_default_timeout(15000)

    # 1. The applicant, on a phone.
    phone.goto("/apply/")
    phone.fill("#id_first_name", "Jonas")
    phone.fill("#id_last_name", "Neumann")
    phone.fill("#id_date_of_birth", str(born_years_ago(34)))
    phone.fill("#id_email", "jonas@test.example")
    phone.fill("#id_password", PASSWORD)
    phone.fill("#id_address", "Lindenweg 3, 10115 Berlin")
    phone.fill("#id_residence_country", "DE")
    phone.fill("#id_resident_since", "2012-05-01")
    phone.fill("#id_forecast_grams", "20")
    for box in ("#id_one_club_declared", "#id_statutes_accepted", "#id_privacy_accepted"):
        phone.check(box)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "journey-1-apply")
    phone.get_by_role("button", name="Send the application").click()
    phone.wait_for_url("**/apply/done/")
    shot(phone, "journey-2-applied")
    # 2. The confirmation e-mail's link.
    received = [m for m in mail.outbox if "jonas@test.example" in m.to]
    assert received, [m.subject for m in mail.outbox]
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", str(received[-1].body))
    assert link, received[-1].body
    phone.goto("/" + link.group(0).split("/", 3)[3])
    confirm = phone.get_by_role("button", name="Confirm")
    if confirm.count():
        confirm.click()
    shot(phone, "journey-3-confirmed")
    app = Application.objects.get(email="jonas@test.example")

    # 3. Counter staff record the ID check.
    sign_in(page, "desk@test.example", totp=True)
    page.goto(f"/board/applications/{app.pk}/")
    page.locator("#id_document_type").select_option(index=1)
    page.get_by_label("Last 2 to 4 characters of its number").fill("4711")
    page.get_by_label("The document confirms the age").check()
    page.get_by_label("The document confirms the residence").check()
    page.get_by_role("button", name="Record the check").click()
    expect(page.get_by_text("4711").first).to_be_visible()
    shot(page, "journey-4-id-checked")

    # 4. The board approves.
    page.context.clear_cookies()
    sign_in(page, "board@test.example", totp=True)
    page.goto(f"/board/applications/{app.pk}/")
    page.locator("#id_decision").select_option("approve")
    page.locator("#id_reason").fill("Admitted at the board meeting.")
    page.get_by_role("button", name="Record the decision").click()
    member = Member.objects.get(user__email="jonas@test.example")
    shot(page, "journey-5-approved")

    # 5. The new member, on the phone: the quota, then a new forecast.
    phone.context.clear_cookies()
    phone.goto("/accounts/login/")
    phone.fill("input[name=login]", "jonas@test.example")
    phone.fill("input[name=password]", PASSWORD)  # the one chosen when applying
    phone.keyboard.press("Enter")
    phone.wait_for_url(lambda url: "/accounts/" not in url)
    phone.get_by_role("link", name="My quota").first.click()
    shot(phone, "journey-6-quota")
    expect(phone.get_by_text("This month: 0.00 g of 50 g")).to_be_visible()  # DE: 50 g
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("link", name="My membership").first.click()
    phone.get_by_label("Grams per month").fill("15,5")
    phone.get_by_role("button", name="Update the forecast").click()
    expect(phone.locator("td.num", has_text="15.50").first).to_be_visible()
    shot(phone, "journey-7-forecast")
    latest = member.forecasts.order_by("-pk").first()
    assert latest is not None and latest.grams_per_month == Decimal("15.50")
    phone_context.close()


def test_the_treasurer_books_an_expense_runs_the_fees_and_finds_both_in_the_books(
    page: Any, tmp_path: Any
) -> None:
    from pathlib import Path

    from django.utils import timezone

    from compliance.models import ReportRun
    from tests.compliance.conftest import YEAR, build_year
    from tests.factories import make_club

    make_club()
    build_year()  # a year of fees, payments and costs: total expenses 80.00
    from finance.fees import fee_schedule_set
    from tests.finance.test_ledger import _adopted_poll

    fee_schedule_set(  # the assembly's fee from this month on
        actor=None,
        valid_from=timezone.localdate().replace(day=1),
        period="month",
        membership_fee="12,00",
        arrears_limit="36.00",
        poll_id=_adopted_poll().pk,
    )
    make_user(roles=(Role.TREASURER,), mfa=True, email="kasse@test.example")
    sign_in(page, "kasse@test.example", totp=True)
    # An expense with its scanned receipt, a comma as the decimal separator.
    page.goto("/finance/expenses/new/")
    page.get_by_label("Date").fill(f"{YEAR}-11-30")
    page.get_by_label("Expense account").select_option(index=1)
    page.get_by_label("Amount").fill("19,90")
    page.get_by_label("Supplier").fill("Gartenbedarf Nord")
    page.get_by_label("Description").fill("Growing medium")
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.7\n% a scanned receipt\n")
    page.get_by_label("Document (PDF, PNG or JPEG)").set_input_files(str(receipt))
    shot(page, "treasurer-1-expense")
    page.get_by_role("button", name=re.compile("Book|Save")).click()
    expect(page.get_by_text("Booked.")).to_be_visible()
    expense = Expense.objects.get(supplier="Gartenbedarf Nord")
    assert expense.amount == Decimal("19.90") and expense.document
    shot(page, "treasurer-2-booked")
    # The fees due: charged once, a second click charges nothing.
    from finance.models import FeeCharge

    before = FeeCharge.objects.count()
    page.goto("/finance/fees/")
    page.get_by_role("button", name="Charge the fees due now").click()
    page.wait_for_load_state()
    shot(page, "treasurer-3-fees")
    expect(page.get_by_text(re.compile(r"\d+ fees? charged\."))).to_be_visible()
    charged = FeeCharge.objects.count() - before
    assert charged > 0
    shot(page, "treasurer-3-fees")
    page.get_by_role("button", name="Charge the fees due now").click()
    expect(page.get_by_text("Every fee that is due is charged already.")).to_be_visible()
    assert FeeCharge.objects.count() - before == charged
    # The annual audit of that year counts it.
    page.goto("/reports/")
    page.select_option("select[name=kind]", "annual_audit")
    page.fill("input[name=period]", str(YEAR))
    page.keyboard.press("Enter")
    expect(page.locator("#report-status[data-state=done]")).to_be_visible()
    shot(page, "treasurer-4-audit")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the PDF").click()
    data = Path(download.value.path()).read_bytes()
    assert ReportRun.objects.get().state == "done"
    text = pdf_text(data)
    assert "Total expenses 99.90" in text, text[:1500]  # 80.00 of the year and this 19.90


def test_the_board_convenes_a_member_votes_on_a_phone_and_checks_the_receipt(
    page: Any, live_server: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from governance.models import Assembly, AssemblyStatus
    from governance.services import agenda_item_add, assembly_open, poll_create, poll_open
    from tests.factories import make_member

    set_rules("DE")
    make_user(roles=(Role.BOARD,), mfa=True, email="board@test.example")
    voter = make_member(first_name="Vera", last_name="Voter", email="vera@test.example")
    # The board creates and convenes the assembly in the browser.
    sign_in(page, "board@test.example", totp=True)
    page.goto("/board/assemblies/")
    page.fill("input[name=title]", "Extraordinary general assembly")
    page.select_option("select[name=mode]", "hybrid")
    starts = timezone.localtime() + dt.timedelta(days=30)
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT19:00"))
    page.fill("input[name=place]", "Club room")
    page.fill("textarea[name=online_info]", "Vote online on the assembly's page.")
    page.get_by_role("button", name="Create").click()
    assembly = Assembly.objects.get(title="Extraordinary general assembly")
    page.goto(f"/board/assemblies/{assembly.pk}/")
    page.fill("input[name=title]", "Election of the treasurer")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("button", name="Convene").click()
    page.wait_for_load_state()
    shot(page, "assembly-1-convened")
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CONVENED
    # The session opens and a secret poll with it (the chair's controls, as on the day).
    assembly_open(actor=None, assembly_id=assembly.pk)
    item = assembly.items.order_by("position").first() or agenda_item_add(
        actor=None, assembly_id=assembly.pk, title="Election"
    )
    poll = poll_create(
        actor=None,
        item_id=item.pk,
        question="The assembly approves the budget.",
        majority="simple",
        visibility="secret",
    )
    poll_open(actor=None, poll_id=poll.pk)
    # The member votes on a phone and keeps the receipt code.
    phone_context = page.context.browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    phone = phone_context.new_page()
    phone.set_default_timeout(15000)
    sign_in(phone, "vera@test.example", totp=False)
    phone.goto(f"/assemblies/{assembly.pk}/")
    phone.get_by_label("Yes").check()
    phone.get_by_role("button", name="Vote").click()
    code = phone.locator("[data-testid=receipt]").inner_text().strip()
    assert code
    shot(phone, "assembly-2-voted")
    # The board closes the poll in the browser.
    page.goto(f"/board/assemblies/{assembly.pk}/")
    page.get_by_role("button", name="Close the poll").click()
    page.wait_for_load_state()
    shot(page, "assembly-3-closed")
    # The member checks that the ballot was counted; a wrong code is not found.
    phone.goto(f"/assemblies/{assembly.pk}/")
    phone.get_by_label("Receipt code").fill(code)
    phone.get_by_role("button", name="Check").click()
    expect(phone.locator("[data-checked=yes]")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "assembly-4-receipt-counted")
    phone.get_by_label("Receipt code").fill("WRONG-CODE")
    phone.get_by_role("button", name="Check").click()
    expect(phone.locator("[data-checked=no]")).to_be_visible()
    phone_context.close()
    assert voter.user.email == "vera@test.example"
