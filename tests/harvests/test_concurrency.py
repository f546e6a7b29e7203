"""Counters taking from one lot at the same moment, on PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections

from club.errors import ServiceError
from harvests.models import StockMovement
from harvests.selectors import lot_stock
from harvests.services import stock_withdraw
from tests.factories import make_lot, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_threads_never_drive_a_lot_below_zero() -> None:
    lot = make_lot(grams="50")
    member = make_member(card=False)
    barrier = threading.Barrier(20)
    results: list[Any] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        try:
            barrier.wait()
            outcome: Any = stock_withdraw(
                actor=None, code=lot.code, grams="3", member=member, reference=f"T{i}"
            )
        except ServiceError as exc:
            outcome = exc.code
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    taken = [r for r in results if isinstance(r, StockMovement)]
    refused = [r for r in results if r == "STOCK_SHORT"]
    assert len(taken) == 16 and len(refused) == 4  # 16 * 3 g = 48 g of 50 g
    assert lot_stock(lot.pk) == Decimal("2")
