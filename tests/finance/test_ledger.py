"""The double-entry ledger (issue 10, points 1 to 3): worked examples computed by hand, balanced
transactions enforced by the service and by the database, append-only legs corrected by reversal,
the money side of dispensings booked in their own transaction, and the cross-check that catches a
changed contribution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from club.audit import audit_verify
from club.errors import AppendOnlyError, ServiceError
from dispensing.models import Dispensing
from dispensing.services import dispensing_reverse
from finance.models import Leg, Transaction
from finance.selectors import account_balances, income_statement
from finance.services import (
    contribution_per_gram,
    gram_price_set,
    transaction_record,
    transaction_reverse,
)
from governance.services import ballot_cast, poll_close, poll_create, poll_open
from tests.attack import attacker_sql
from tests.factories import dispense, make_assembly, make_lot, make_member, make_user, set_rules

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2026


def book(day: str, text: str, *legs: tuple[str, str]) -> Transaction:
    return transaction_record(
        actor=None,
        booked_on=dt.date.fromisoformat(day),
        description=text,
        legs=[(code, D(amount)) for code, amount in legs],
    )


def balances() -> dict[str, Decimal]:
    return {row["account"].code: row["balance"] for row in account_balances()}


def test_a_year_worked_by_hand(club) -> None:
    """Twelve members pay 10.00 a month, one admission fee of 50.00, donations of 1,020.00
    received by bank; rent 1,200.00, energy 860.00, supplies 410.50 and a lab test of 180.00 paid
    from the bank. By hand: income 1,440 + 50 + 1,020 = 2,510.00; costs 1,200 + 860 + 410.50 + 180
    = 2,650.50; a deficit of 140.50; the bank holds 2,510.00 - 2,650.50 = -140.50."""
    book(f"{YEAR}-01-31", "Fees January-December", ("1200", "1440.00"), ("4000", "-1440.00"))
    book(f"{YEAR}-02-01", "Admission fee", ("1200", "50.00"), ("4100", "-50.00"))
    book(f"{YEAR}-12-31", "Donations", ("1200", "1020.00"), ("4300", "-1020.00"))
    book(f"{YEAR}-01-05", "Rent", ("6000", "1200.00"), ("1200", "-1200.00"))
    book(f"{YEAR}-06-30", "Energy", ("6100", "860.00"), ("1200", "-860.00"))
    book(f"{YEAR}-03-10", "Soil, nutrients", ("6200", "410.50"), ("1200", "-410.50"))
    book(f"{YEAR}-04-02", "Lab test batch 1", ("6400", "180.00"), ("1200", "-180.00"))
    statement = income_statement(start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31))
    assert statement["total_income"] == D("2510.00")
    assert statement["total_expenses"] == D("2650.50")
    assert statement["result"] == D("-140.50")
    assert statement["income"] == {"4000": D("1440.00"), "4100": D("50.00"), "4300": D("1020.00")}
    assert balances()["1200"] == D("-140.50")
    assert sum(row["debit_balance"] for row in account_balances()) == 0  # the books balance
    assert audit_verify().ok


@pytest.mark.parametrize(
    ("legs", "code"),
    [
        ((("1200", "10.00"), ("4000", "-9.99")), "UNBALANCED"),
        ((("1200", "10.00"),), "UNBALANCED"),
        ((("1200", "10.001"), ("4000", "-10.001")), "INVALID_INPUT"),
        ((("1200", "0"), ("4000", "0")), "INVALID_INPUT"),
        ((("9999", "10.00"), ("4000", "-10.00")), "UNKNOWN_ACCOUNT"),
        ((("1000", "10.00"), ("4200", "-10.00")), "ACCOUNT_RESERVED"),  # only the counter
    ],
)
def test_the_service_refuses_what_does_not_balance(club, legs, code: str) -> None:
    with pytest.raises(ServiceError) as exc:
        book(f"{YEAR}-01-01", "bad", *legs)
    assert exc.value.code == code
    assert not Transaction.objects.exists() and not Leg.objects.exists()


def test_reversal_restores_every_balance_and_keeps_the_original(club) -> None:
    tx = book(f"{YEAR}-05-01", "Rent, wrong account", ("6100", "600.00"), ("1200", "-600.00"))
    before = balances()
    reversal = transaction_reverse(actor=None, transaction_id=tx.pk, reason="booked as energy")
    assert reversal.reverses == tx and reversal.reason == "booked as energy"
    assert all(v == 0 for v in balances().values())
    assert before["6100"] == D("600.00")
    with pytest.raises(ServiceError) as exc:
        transaction_reverse(actor=None, transaction_id=tx.pk, reason="again")
    assert exc.value.code == "ALREADY_REVERSED"
    with pytest.raises(ServiceError):
        transaction_reverse(actor=None, transaction_id=reversal.pk, reason="undo the undo")
    assert Transaction.objects.count() == 2
    leg = tx.legs.first()
    assert leg is not None
    with pytest.raises(AppendOnlyError):
        leg.delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_an_unbalanced_transaction(club) -> None:
    """Rows inserted behind the service's back: the deferred trigger refuses them at commit."""
    from finance.chart import ensure

    ensure()  # the database was emptied between transactional tests
    unbalanced = [
        "INSERT INTO finance_transaction (booked_on, description, reason, created_at) "
        "VALUES ('2026-01-01', 'raw', '', now())",
        "INSERT INTO finance_leg (transaction_id, account_id, amount, currency) "
        "SELECT currval('finance_transaction_id_seq'), id, 10.00, 'EUR' "
        "FROM finance_account WHERE code = '1200'",
        "INSERT INTO finance_leg (transaction_id, account_id, amount, currency) "
        "SELECT currval('finance_transaction_id_seq'), id, -9.00, 'EUR' "
        "FROM finance_account WHERE code = '4000'",
    ]
    balanced = [*unbalanced[:2], unbalanced[2].replace("-9.00", "-10.00")]
    with transaction.atomic(), connection.cursor() as cur:  # the same rows, balanced: accepted
        for sql in balanced:
            cur.execute(sql)
    assert Transaction.objects.count() == 1
    for statements in (unbalanced, unbalanced[:1]):  # then a transaction with no legs at all
        with (
            pytest.raises((IntegrityError, DatabaseError)),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            for sql in statements:
                cur.execute(sql)
    assert Transaction.objects.count() == 1  # only the balanced one


@pytest.mark.postgres
def test_the_database_refuses_update_and_delete_of_the_ledger(club) -> None:
    tx = book(f"{YEAR}-01-01", "Donation", ("1000", "20.00"), ("4300", "-20.00"))
    for sql in (
        "UPDATE finance_leg SET amount = amount * 2",
        "DELETE FROM finance_leg",
        f"UPDATE finance_transaction SET description = 'x' WHERE id = {tx.pk}",  # noqa: S608
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert balances()["4300"] == D("20.00")


# --- The money side of dispensings -----------------------------------------------------------


def _adopted_poll():
    member = make_member(card=False)
    assembly = make_assembly()
    poll = poll_create(
        actor=None,
        item_id=assembly.items.order_by("position")[0].pk,
        question="The contribution is 6.50 EUR per gram from 1 January.",
        majority="simple",
        visibility="named",
    )
    poll_open(actor=None, poll_id=poll.pk)
    ballot_cast(user=member.user, poll_id=poll.pk, choice="yes")
    return poll_close(actor=None, poll_id=poll.pk)


def test_a_price_needs_an_adopting_resolution(club) -> None:
    set_rules("DE")
    assembly = make_assembly()
    draft = poll_create(
        actor=None,
        item_id=assembly.items.order_by("position")[0].pk,
        question="Price?",
        majority="simple",
        visibility="named",
    )
    with pytest.raises(ServiceError) as exc:
        gram_price_set(
            actor=None, valid_from=dt.date(YEAR, 1, 1), per_gram="6,50", poll_id=draft.pk
        )
    assert exc.value.code == "POLL_NOT_ADOPTED"
    poll = _adopted_poll()
    gram_price_set(actor=None, valid_from=dt.date(YEAR, 1, 1), per_gram="6,50", poll_id=poll.pk)
    lot = make_lot(grams="100", thc="9")
    assert contribution_per_gram(lot, dt.date(YEAR - 1, 12, 31)) == D("0.00")  # before: flat fees
    assert contribution_per_gram(lot, dt.date(YEAR, 3, 1)) == D("6.50")


def test_every_dispensing_books_its_contribution_and_a_reversal_books_it_back(club) -> None:
    set_rules("DE")
    poll = _adopted_poll()
    gram_price_set(actor=None, valid_from=dt.date(2000, 1, 1), per_gram="6.50", poll_id=poll.pk)
    lot = make_lot(grams="100", thc="9")
    member = make_member()
    d = dispense(member, lot, "2.5").dispensing
    assert d.contribution == D("16.25")  # 2.5 g at 6.50
    tx = Transaction.objects.get(reference=f"dispensing:R{d.receipt}")
    assert sorted((leg.account.code, leg.amount) for leg in tx.legs.all()) == [
        ("1400", D("16.25")),
        ("4200", D("-16.25")),
    ]
    dispense(member, lot, "1")
    assert balances()["4200"] == D("22.75")
    board = make_user(roles=("board",), mfa=True)
    dispensing_reverse(actor=board, receipt=d.receipt, reason="wrong member")
    assert balances()["4200"] == D("6.50") and balances()["1400"] == D("6.50")
    assert audit_verify().ok


def test_the_cross_check_catches_a_changed_contribution(club) -> None:
    set_rules("DE")
    poll = _adopted_poll()
    gram_price_set(actor=None, valid_from=dt.date(2000, 1, 1), per_gram="6.50", poll_id=poll.pk)
    d = dispense(make_member(), make_lot(grams="100", thc="9"), "2").dispensing
    assert audit_verify().ok
    # A server admin edits the row behind the app's back.
    table = Dispensing._meta.db_table
    attacker_sql([(f"UPDATE {table} SET contribution = 1.00 WHERE id = %s", [d.pk])])  # noqa: S608
    problems = audit_verify().problems
    assert any(f"R{d.receipt}" in p and "13.00" in p and "1.00" in p for p in problems), problems
