"""Counters serving at the same moment, on PostgreSQL: never above a limit, never below zero."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dispensing.models import Dispensing
from harvests.selectors import lot_stock
from tests.factories import dispense, make_lot, make_member, set_rules
from tests.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_counters_serving_one_member_never_pass_the_day_limit() -> None:
    set_rules("DE")  # 25 g a day
    lot = make_lot(grams="1000")
    member = make_member()
    results = together(20, lambda i: dispense(member, lot, "3"))
    ok = [r for r in results if not isinstance(r, str)]
    assert len(ok) == 8  # 8 x 3 g = 24 g; a ninth would make 27 g
    assert sorted(set(r for r in results if isinstance(r, str))) == ["QUOTA_DAY_EXCEEDED"]
    assert Dispensing.objects.filter(member=member).count() == 8
    assert lot_stock(lot.pk) == Decimal("976")


def test_twenty_members_on_one_lot_never_drive_it_below_zero() -> None:
    set_rules("DE")
    lot = make_lot(grams="10")
    members = [make_member() for _ in range(20)]
    results = together(20, lambda i: dispense(members[i], lot, "1.5"))
    ok = [r for r in results if not isinstance(r, str)]
    assert len(ok) == 6  # 6 x 1.5 g = 9 g of 10 g
    assert set(r for r in results if isinstance(r, str)) == {"STOCK_SHORT"}
    assert lot_stock(lot.pk) == Decimal("1")


def test_the_same_key_from_two_counters_writes_once() -> None:
    set_rules("DE")
    lot = make_lot(grams="100")
    member = make_member()
    results = together(10, lambda i: dispense(member, lot, "2", key="retry-42"))
    receipts = {r.dispensing.receipt for r in results}
    assert len(receipts) == 1
    assert Dispensing.objects.count() == 1 and lot_stock(lot.pk) == Decimal("98")
