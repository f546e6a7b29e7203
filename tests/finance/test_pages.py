"""The treasurer's pages and the member's own account page (issue 10, point 10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from club.roles import Role
from finance.fees import member_balance, payment_record
from finance.models import Expense, Payment
from tests.factories import make_member, make_user, set_rules

pytestmark = pytest.mark.django_db


def test_the_treasurer_records_a_payment_and_an_expense_in_the_pages(client, club) -> None:
    set_rules("DE")
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    member = make_member()
    client.force_login(treasurer)
    r = client.post(
        "/finance/payments/new/",
        {
            "member_number": member.number,
            "amount": "15,50",
            "method": "cash",
            "received_on": "2026-11-02",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Payment.objects.get().amount == Decimal("15.50")
    assert member_balance(member) == Decimal("-15.50")
    refused = client.post(
        "/finance/payments/new/",
        {
            "member_number": member.number,
            "amount": "1_0",
            "method": "cash",
            "received_on": "2026-11-02",
        },
    )
    assert refused.status_code == 200 and "AMOUNT_INVALID" in refused.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        "/finance/expenses/new/",
        {
            "spent_on": "2026-11-03",
            "account_code": "6200",
            "amount": "42.00",
            "supplier": "Gartenmarkt",
            "description": "Soil",
            "paid_from": "1000",
            "document": SimpleUploadedFile("soil.pdf", b"%PDF-1.4 x", "application/pdf"),
        },
    )
    assert r.status_code == 302
    expense = Expense.objects.get()
    page = client.get("/finance/").content.decode()
    assert 'data-account="6200">42.00' in page and 'data-total="expenses">42.00' in page
    assert "Soil" in client.get("/finance/journal/").content.decode()
    doc = client.get(f"/finance/expenses/{expense.pk}/document/")
    assert doc["Content-Disposition"].startswith("attachment;")


def test_the_board_reads_but_does_not_book(client, club) -> None:
    board = make_user(roles=(Role.BOARD,), mfa=True)
    client.force_login(board)
    assert client.get("/finance/").status_code == 200
    assert client.get("/finance/arrears/").status_code == 200
    assert client.post("/finance/payments/new/", {}).status_code == 403


def test_a_member_sees_the_own_account(client, club) -> None:
    set_rules("DE")
    member = make_member()
    payment_record(
        actor=None,
        member_number=member.number,
        amount="12",
        method="transfer",
        received_on=dt.date(2026, 11, 1),
    )
    client.force_login(member.user)
    page = client.get("/me/account/").content.decode()
    assert "You have paid 12.00 ahead." in page
    assert client.get("/finance/").status_code == 403


def test_fee_schedule_and_sepa_pages_after_the_demo(client) -> None:
    from django.core.management import call_command

    from finance.models import SepaRun

    call_command("seed_demo")
    board = make_user(roles=(Role.BOARD,), mfa=True)
    client.force_login(board)
    fees = client.get("/finance/fees/").content.decode()
    assert "15.00" in fees and "6.50" in fees
    sepa = client.get("/finance/sepa/").content.decode()
    run = SepaRun.objects.get()
    assert f"/finance/sepa/{run.pk}/file/" in sepa and "Build the direct debit file" not in sepa
    assert client.post("/finance/sepa/runs/", {"collection_date": "2026-12-01"}).status_code == 403
    download = client.get(f"/finance/sepa/{run.pk}/file/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"CstmrDrctDbtInitn" in b"".join(download.streaming_content)
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    client.force_login(treasurer)
    r = client.post("/finance/sepa/runs/", {"collection_date": "not a date"}, follow=True)
    assert "Enter the collection date." in r.content.decode()


def test_the_treasurer_runs_the_books_from_the_pages(client, club) -> None:
    """A fee schedule and a price with their resolution, the creditor, a mandate (a bad IBAN is
    told), and a reversal from the journal: all without leaving the app."""
    from finance.models import FeeSchedule, GramPrice, SepaCreditor, SepaMandate, Transaction
    from finance.services import transaction_record
    from tests.finance.test_ledger import _adopted_poll

    set_rules("DE")
    poll = _adopted_poll()
    member = make_member()
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    client.force_login(treasurer)
    page = client.get("/finance/fees/new/").content.decode()
    assert f'value="{poll.pk}"' in page
    r = client.post(
        "/finance/fees/new/",
        {
            "valid_from": "2026-01-01",
            "period": "month",
            "membership_fee": "15",
            "admission_fee": "",
            "arrears_limit": "45",
            "poll_id": poll.pk,
        },
    )
    assert r.status_code == 302 and FeeSchedule.objects.get().membership_fee == Decimal("15")
    r = client.post(
        "/finance/prices/new/",
        {
            "valid_from": "2026-01-01",
            "method": "fixed",
            "per_gram": "6,50",
            "overhead_key": "none",
            "poll_id": poll.pk,
        },
    )
    assert r.status_code == 302 and GramPrice.objects.get().per_gram == Decimal("6.50")
    r = client.post(
        "/finance/sepa/creditor/",
        {
            "name": "Club",
            "iban": "DE02120300000000202051",
            "bic": "BYLADEM1001",
            "creditor_id": "DE98ZZZ09999999999",
        },
    )
    assert r.status_code == 302 and SepaCreditor.objects.count() == 1
    bad = client.post(
        "/finance/sepa/mandates/new/",
        {
            "member_number": member.number,
            "holder": "Kim",
            "iban": "DE89370400440532013001",
            "bic": "COBADEFFXXX",
            "signed_on": "2026-01-01",
        },
    )
    assert "IBAN_INVALID" in bad.content.decode() and not SepaMandate.objects.exists()
    tx = transaction_record(
        actor=None,
        booked_on=dt.date(2026, 3, 1),
        description="Wrong",
        legs=[("6900", Decimal("10")), ("1000", Decimal("-10"))],
    )
    assert (
        f"/finance/transactions/{tx.pk}/reverse/"
        in client.get("/finance/journal/").content.decode()
    )
    r = client.post(f"/finance/transactions/{tx.pk}/reverse/", {"reason": "typo"})
    assert r.status_code == 302 and Transaction.objects.get(reverses=tx).reason == "typo"


def test_the_treasurer_books_a_donation_in_the_page(client, club) -> None:
    from finance.selectors import account_balances

    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    client.force_login(treasurer)
    r = client.post(
        "/finance/transactions/new/",
        {
            "booked_on": "2026-06-01",
            "description": "Donation",
            "debit": "1000",
            "credit": "4300",
            "amount": "50,00",
        },
    )
    assert r.status_code == 302
    balances = {row["account"].code: row["balance"] for row in account_balances()}
    assert balances["4300"] == Decimal("50.00") and balances["1000"] == Decimal("50.00")
    page = client.get("/finance/transactions/new/").content.decode()
    assert 'value="4200"' not in page  # contributions come from the counter only
