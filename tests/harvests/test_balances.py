"""A lot's stock in O(1) (issue 13): every movement carries the lot's balance after it, the lot
keeps the last one, the database refuses a balance that does not follow (PostgreSQL), and
audit_verify names a lot or a movement whose balance was changed behind the app's back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from club.audit import audit_verify
from club.errors import ServiceError
from harvests.models import Lot, LotStatus, StockMovement
from harvests.services import lot_destroy, stock_correct
from tests.attack import attacker_sql
from tests.factories import dispense, make_lot, make_member

pytestmark = pytest.mark.django_db


def balances(lot: Lot) -> list[tuple[Decimal, Decimal | None]]:
    rows = StockMovement.objects.filter(lot=lot).order_by("id")
    return [(m.grams, m.balance_after) for m in rows]


def test_every_movement_carries_the_running_balance_and_the_lot_the_last(club) -> None:
    from dispensing.services import dispensing_reverse

    lot = make_lot(grams="20", thc="9")
    member = make_member()
    first = dispense(member, lot, "2.5").dispensing
    dispense(member, lot, "1.25")
    stock_correct(actor=None, code=lot.code, grams="-0.25", reason="Scale check")
    lot_destroy(
        actor=None,
        code=lot.code,
        grams="1",
        reason="Mould",
        method="Mixed with soil",
        witness="Board member",
        destroyed_on=dt.date.today(),
    )
    dispensing_reverse(actor=None, receipt=first.receipt, reason="Wrong strain")
    running = Decimal("0")
    for grams, balance in balances(lot):
        running += grams
        assert balance == running
    lot.refresh_from_db()
    assert lot.stock == running == Decimal("17.50")
    assert audit_verify().ok


def test_a_dispensing_that_empties_the_lot_depletes_it_and_stock_short_writes_nothing(club) -> None:
    lot = make_lot(grams="3", thc="9")
    member = make_member()
    with pytest.raises(ServiceError) as refused:
        dispense(member, lot, "3.5")
    assert refused.value.code == "STOCK_SHORT" and "3" in str(refused.value.message)
    lot.refresh_from_db()
    assert lot.stock == Decimal("3.00") and len(balances(lot)) == 1
    dispense(member, lot, "3")
    lot.refresh_from_db()
    assert lot.stock == 0 and lot.status == LotStatus.DEPLETED
    assert audit_verify().ok


@pytest.mark.postgres
def test_the_database_refuses_a_balance_that_does_not_follow(club) -> None:
    """Even the app's own code cannot write a movement whose balance is not the lot's running
    sum, or that the lot does not hold."""
    lot = make_lot(grams="10", thc="9")
    cases = [
        ("9.00", "9.00", "-1"),  # right
        ("9.00", "8.50", "-1"),  # the balance does not follow
        ("5.00", "5.00", "-1"),  # the lot holds it, but it does not follow
    ]
    for stock, balance, grams in cases:
        with transaction.atomic():
            sid = transaction.savepoint()
            try:
                Lot.objects.filter(pk=lot.pk).update(stock=Decimal(stock))
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO harvests_stockmovement (lot_id, kind, grams, reference, "
                        "reason, at, balance_after) VALUES (%s, 'correction', %s, '', 'x', "
                        "now(), %s)",
                        [lot.pk, Decimal(grams), Decimal(balance)],
                    )
                accepted = True
            except IntegrityError as exc:
                accepted = False
                assert "stock of lot" in str(exc)
            transaction.savepoint_rollback(sid)
        assert accepted is (balance == "9.00" and stock == "9.00"), (stock, balance)


@pytest.mark.postgres
def test_audit_verify_names_a_lot_whose_stock_was_raised_and_the_counter_refuses_it(club) -> None:
    lot = make_lot(grams="10", thc="9")
    member = make_member()
    dispense(member, lot, "1")
    assert audit_verify().ok
    attacker_sql([("UPDATE harvests_lot SET stock = stock + 100 WHERE id = %s", [lot.pk])])
    problems = audit_verify().problems
    assert f"harvests_lot {lot.pk}: holds 109.00 g, but its movements sum to 9.00 g" in problems
    with pytest.raises(ServiceError) as refused:
        dispense(member, lot, "1")
    assert refused.value.code == "STOCK_LEDGER_BROKEN"
    attacker_sql([("UPDATE harvests_lot SET stock = stock - 100 WHERE id = %s", [lot.pk])])
    dispense(member, lot, "1")  # once put right, the counter serves from it again
    assert audit_verify().ok
