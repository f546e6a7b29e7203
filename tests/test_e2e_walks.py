"""Issue 9 walked in a real browser: the counter's documented keystrokes for a young adult when a
strong lot comes first, printing with one key, the board naming the chair and the minute-taker and
both confirming the minutes, and every member page on a 390 px phone without sideways scrolling.

Screenshots go to CSC_SCREENSHOTS when it is set, for a person to look at."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from club.roles import Role
from dispensing.models import Dispensing
from governance.models import AssemblyStatus
from governance.services import check_in, poll_create, poll_open
from members.cards import card_token
from tests.browser import sign_in
from tests.factories import dispense, make_assembly, make_lot, make_member, make_user, set_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("CSC_SCREENSHOTS")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def settled(page: Any) -> None:
    """htmx has finished swapping and settling (keys pressed before that can be lost)."""
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)


def focused(page: Any, selector: str) -> bool:
    return bool(page.locator(selector).evaluate("el => el === document.activeElement"))


def test_the_readme_keystrokes_serve_a_young_adult_when_a_strong_lot_comes_first(
    page: Any,
) -> None:
    set_rules("DE")
    make_user(roles=(Role.COUNTER,), mfa=True, email="desk@test.example")
    strong = make_lot(grams="100", thc="18", best_before_days=20)  # first in the list
    mild = make_lot(grams="100", thc="9", best_before_days=60)
    young = make_member(age=19, first_name="Jana", last_name="Jung")
    sign_in(page, "desk@test.example", totp=True)
    page.goto("/counter/")
    expect(page.locator("#scan")).to_be_focused()
    # The README: scan (the scanner types the token and Enter), Space, Tab, Tab, grams, Enter.
    page.keyboard.type(card_token(young))
    page.keyboard.press("Enter")
    page.locator(f"article[data-number='{young.number}']").wait_for()
    settled(page)
    expect(page.locator("input[name=id_checked]")).to_be_focused()
    assert page.locator(f"input[value='{strong.code}']").is_disabled()
    assert page.locator(f"input[value='{mild.code}']").is_checked()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused(page, f"input[value='{mild.code}']")
    page.keyboard.press("Tab")
    assert focused(page, "#grams")
    page.keyboard.type("2,5")
    shot(page, "counter-young-adult")
    page.keyboard.press("Enter")
    page.locator("[data-receipt]").wait_for()
    d = Dispensing.objects.get()
    assert d.lot == mild and d.grams == Decimal("2.5") and d.card_scanned
    assert focused(page, "#scan")
    # One key prints the receipt and the leaflet: one document.
    with page.expect_popup() as popup:
        page.keyboard.press("Alt+p")
    assert popup.value.url.endswith(f"/counter/receipts/{d.receipt}/print.pdf")
    shot(page, "counter-done")


def test_a_refusal_keeps_the_id_tick_until_the_next_scan(page: Any) -> None:
    set_rules("DE")
    make_user(roles=(Role.COUNTER,), mfa=True, email="desk2@test.example")
    make_lot(grams="100", thc="9")
    member = make_member()
    sign_in(page, "desk2@test.example", totp=True)
    page.goto("/counter/")
    expect(page.locator("#scan")).to_be_focused()
    page.keyboard.type(str(member.number))
    page.keyboard.press("Enter")
    page.locator("input[name=id_checked]").wait_for()
    settled(page)
    expect(page.locator("input[name=id_checked]")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("input[name=id_checked]")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#grams")).to_be_focused()
    page.keyboard.type("30")  # above the day limit (and the forecast)
    expect(page.locator("#grams")).to_have_value("30")
    page.keyboard.press("Enter")
    page.locator(".notice.error[data-code]").wait_for()
    assert not Dispensing.objects.exists()
    assert page.locator("input[name=id_checked]").is_checked()
    assert focused(page, "#grams")
    page.fill("#grams", "3")
    page.keyboard.press("Enter")
    page.locator("[data-receipt]").wait_for()
    expect(page.locator("#scan")).to_be_focused()
    page.keyboard.type(str(member.number))
    page.keyboard.press("Enter")
    page.locator("[data-remaining='day']").wait_for()
    assert not page.locator("input[name=id_checked]").is_checked()


def test_the_board_names_the_officers_and_both_confirm_the_minutes(page: Any) -> None:
    set_rules("DE")
    make_user(roles=(Role.BOARD,), mfa=True, email="board@test.example")
    chair = make_member(first_name="Clara", last_name="Chair", email="clara@test.example")
    taker = make_member(first_name="Max", last_name="Minutes", email="max@test.example")
    assembly = make_assembly()
    for m in (chair, taker):
        check_in(actor=None, assembly_id=assembly.pk, member_number=m.number)
    sign_in(page, "board@test.example", totp=True)
    page.goto(f"/board/assemblies/{assembly.pk}/")
    page.select_option("select[name=chair]", str(chair.number))
    page.select_option("select[name=minute_taker]", str(taker.number))
    page.get_by_role("button", name="Set chair and minute-taker").click()
    page.wait_for_load_state()
    assert "Clara Chair" in page.locator("main").inner_text()
    page.get_by_role("button", name="Close the session").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Build the minutes").click()
    page.wait_for_load_state()
    shot(page, "board-minutes-built")
    assert page.get_by_role("link", name="Minutes (PDF)").is_visible()
    for officer in (chair, taker):
        page.context.clear_cookies()
        sign_in(page, officer.user.email, totp=False)
        page.goto(f"/assemblies/{assembly.pk}/")
        page.locator("[data-officer]").wait_for()
        page.get_by_role("button", name="I confirm the minutes").click()
        page.locator(".notice.success").wait_for()
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.MINUTES_PUBLISHED
    page.goto(f"/assemblies/{assembly.pk}/")
    assert page.get_by_role("button", name="Minutes (PDF)").is_visible()
    shot(page, "member-minutes-published")


MEMBER_PAGES = ["/", "/me/", "/me/quota/", "/me/account/", "/assemblies/", "/account/"]


def test_every_member_page_fits_a_390_px_phone(page: Any) -> None:
    set_rules("DE")
    lot = make_lot(grams="200", thc="9")
    member = make_member(
        first_name="Paula", last_name="Phone-Mitgliedsname", email="p@test.example"
    )
    for grams in ("2", "3", "1.5"):
        dispense(member, lot, grams)
    assembly = make_assembly()
    poll = poll_create(
        actor=None,
        item_id=assembly.items.order_by("position")[0].pk,
        question="The assembly approves the annual accounts and the budget for next year.",
        majority="simple",
        visibility="secret",
    )
    poll_open(actor=None, poll_id=poll.pk)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "p@test.example", totp=False)
    assert page.url.endswith("/me/home/")  # members land on their own page
    assert page.locator("[data-open-polls]").is_visible()
    for path in [*MEMBER_PAGES, "/me/home/", f"/assemblies/{assembly.pk}/"]:
        page.goto(path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        shot(page, "member" + path.replace("/", "-").rstrip("-"))
        assert wide <= 390, (path, wide)
    # Vote on the phone: the page then says so, with the receipt to copy.
    page.goto(f"/assemblies/{assembly.pk}/")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Vote").click()
    page.locator(f"[data-voted='{poll.pk}']").wait_for()
    assert page.get_by_role("button", name="Copy").is_visible()
    assert page.locator("[data-testid=receipt]").inner_text().strip()
    assert page.get_by_role("button", name="Vote").count() == 0
    shot(page, "member-voted")


def test_the_prevention_officer_reads_the_trends_and_sees_no_one(page: Any) -> None:
    """Issue 14, point 2: the officer signs in, opens the trends from the menu, and finds groups
    of at least k members and no name."""
    set_rules("DE")
    lot = make_lot(grams="500", thc="9")
    members = [make_member(age=35, last_name=f"Walker{i}") for i in range(5)]
    for m in members:
        dispense(m, lot, "2")
    officer = make_user(roles=(Role.PREVENTION_OFFICER,), mfa=True)
    sign_in(page, officer.email, totp=True)
    page.get_by_role("link", name="Prevention").first.click()
    page.get_by_role("button", name="Trends").first.click()
    expect(page.get_by_role("heading", name="Anonymised trends")).to_be_visible()
    expect(page.locator("td", has_text="10.00 g").first).to_be_visible()
    assert "Walker" not in page.content()
    shot(page, "prevention-trends")


def test_the_prevention_desk_walked_by_the_officer_a_member_on_a_phone_and_the_counter(
    page: Any,
) -> None:
    """Issue 14: the officer publishes the concept, lists a service and writes an article; a
    member on a 390 px phone reads them and agrees to be contacted; the officer then records a
    contact with that member; the counter prints the article, and the handout is counted."""
    from prevention.models import Contact, Handout
    from prevention.services import appointment_record

    set_rules("DE")
    board = make_user(roles=(Role.BOARD,), mfa=True)
    officer = make_user(roles=(), mfa=True, email="officer@test.example", first_name="Paula")
    appointment_record(
        actor=board,
        user_id=officer.pk,
        kind="appointed",
        effective_on=dt.date.today(),
        decision="Board meeting, item 2",
    )
    member = make_member(first_name="Mia", last_name="Mitglied", email="mia@test.example")
    make_user(roles=(Role.COUNTER,), mfa=True, email="clerk@test.example")

    sign_in(page, "officer@test.example", totp=True)
    page.get_by_role("link", name="Prevention").first.click()
    expect(page.locator("[data-certificate=missing]")).to_be_visible()
    shot(page, "prevention-desk-empty")
    page.get_by_role("button", name="Publish a new version").click()
    page.get_by_label("Title").fill("Health and youth-protection concept")
    page.get_by_label("Text", exact=True).fill("We admit adults only.\n\nWe never advertise.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Version 1, published")).to_be_visible()
    page.goto("/prevention/")
    page.get_by_role("button", name="Add a service").click()
    page.get_by_label("Name").fill("Drogenberatung Mitte")
    page.get_by_label("Kind").select_option("counselling")
    page.get_by_label("Contact").fill("Musterweg 5, Berlin · 030 1234567")
    page.get_by_label("Languages").fill("Deutsch, English")
    page.get_by_label("Opening hours").fill("Mon-Thu 10-18")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Write an article").click()
    page.get_by_label("Topic").select_option("driving")
    page.locator("#id_language").select_option("en")
    page.get_by_label("Title").fill("Cannabis and driving")
    page.locator("#id_body").fill("Do not drive after use.\n\nTHC slows reactions.")
    page.get_by_label("Published").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Cannabis and driving")).to_be_visible()
    shot(page, "prevention-desk")

    base = "/".join(page.url.split("/")[:3])
    phone_context = page.context.browser.new_context(
        base_url=base, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    phone = phone_context.new_page()
    phone.set_default_timeout(15000)
    sign_in(phone, "mia@test.example", totp=False)
    phone.get_by_role("link", name="Health and help").first.click()
    expect(phone.get_by_text("Drogenberatung Mitte")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "member-prevention-help")
    phone.get_by_role("button", name="I agree to be contacted").click()
    expect(phone.locator("[data-consent=given]")).to_be_visible()
    phone.get_by_role("link", name="Cannabis and driving").click()
    expect(phone.get_by_text("THC slows reactions.")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "member-prevention-article")
    phone.goto("/prevention/concept/")
    expect(phone.get_by_text("We never advertise.")).to_be_visible()
    phone_context.close()

    page.goto("/prevention/signals/")
    expect(page.get_by_text("1 member has agreed to be contacted.")).to_be_visible()
    page.get_by_label("Record a contact with member no.").fill(str(member.number))
    page.keyboard.press("Enter")
    page.get_by_label("Topic").select_option("driving")
    page.get_by_label("Referred to").select_option(label="Drogenberatung Mitte")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("td", has_text="Mia Mitglied")).to_be_visible()
    shot(page, "prevention-signals")
    assert Contact.objects.filter(member=member, topic="driving").count() == 1

    page.context.clear_cookies()
    sign_in(page, "clerk@test.example", totp=True)
    page.get_by_role("link", name="Handouts").first.click()
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Print").click()
    popup.value.wait_for_load_state()
    shot(page, "counter-handouts")
    assert Handout.objects.count() == 1
