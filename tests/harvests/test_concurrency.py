"""Counters taking from one lot at the same moment, on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from harvests.models import StockMovement
from harvests.selectors import lot_stock
from harvests.services import stock_withdraw
from tests.factories import make_lot, make_member
from tests.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_threads_never_drive_a_lot_below_zero() -> None:
    lot = make_lot(grams="50")
    member = make_member(card=False)
    results = together(
        20,
        lambda i: stock_withdraw(
            actor=None, code=lot.code, grams="3", member=member, reference=f"T{i}"
        ),
    )
    taken = [r for r in results if isinstance(r, StockMovement)]
    refused = [r for r in results if r == "STOCK_SHORT"]
    assert len(taken) == 16 and len(refused) == 4  # 16 * 3 g = 48 g of 50 g
    assert lot_stock(lot.pk) == Decimal("2")
