"""Random sequences of harvests, lots, outflows, destructions and corrections: after every step
no lot is below zero, stock matches a shadow ledger, and the mass balance adds up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from club.errors import ServiceError
from harvests.selectors import lot_stock, mass_balance
from harvests.services import (
    batch_create,
    batch_move,
    harvest_record,
    lot_create,
    lot_destroy,
    lot_release,
    stock_correct,
    stock_withdraw,
)
from tests.factories import make_member, make_strain, make_user

pytestmark = pytest.mark.django_db

grams = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)


class StockMachine(RuleBasedStateMachine):
    harvests = Bundle("harvests")
    lots = Bundle("lots")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # each run is rolled back at teardown
        self.expected: dict[str, Decimal] = {}
        self.put_in: dict[int, Decimal] = {}
        self.dry: dict[int, Decimal] = {}

    @initialize()
    def setup(self) -> None:
        self.board, self.strain, self.member = BOARD, STRAIN, MEMBER
        self.today = timezone.localdate()

    @rule(target=harvests, dry=grams, extra=grams)
    def harvest(self, dry: Decimal, extra: Decimal) -> Any:
        batch = batch_create(
            actor=self.board,
            strain_id=self.strain.pk,
            plants=1,
            started_on=self.today,
            period_start=self.today,
            period_end=self.today,
            expected_yield_grams=dry,
            decision_reason="stateful test",
        )
        batch_move(actor=self.board, code=batch.code, to="vegetative")
        batch_move(actor=self.board, code=batch.code, to="flowering")
        h = harvest_record(
            actor=self.board,
            batch_code=batch.code,
            harvested_on=self.today,
            wet_grams=dry + extra,
            dry_grams=dry,
            dried_on=self.today,
        )
        self.dry[h.pk], self.put_in[h.pk] = dry, Decimal("0")
        return h

    @rule(target=lots, harvest=harvests, amount=grams)
    def lot(self, harvest: Any, amount: Decimal) -> Any:
        try:
            lot = lot_create(
                actor=None,
                harvest_id=harvest.pk,
                product_type="flower",
                grams=amount,
                best_before=self.today + dt.timedelta(days=99),
                thc_percent="10",
                cbd_percent="1",
            )
        except ServiceError as exc:
            assert exc.code == "LOTS_EXCEED_HARVEST"
            assert self.put_in[harvest.pk] + amount > self.dry[harvest.pk]
            return None
        lot_release(actor=None, code=lot.code)
        self.put_in[harvest.pk] += amount
        self.expected[lot.code] = amount
        return lot.code

    def _apply(self, lot: str | None, delta: Decimal, fn: Any, **kwargs: Any) -> None:
        if lot is None:
            return
        try:
            fn(actor=None, code=lot, **kwargs)
        except ServiceError as exc:
            assert exc.code in ("STOCK_SHORT", "LOT_NOT_RELEASED")
            assert self.expected[lot] + delta < 0 or self.expected[lot] == 0
            return
        self.expected[lot] += delta

    @rule(lot=lots, amount=grams)
    def outflow(self, lot: str | None, amount: Decimal) -> None:
        self._apply(lot, -amount, stock_withdraw, grams=amount, member=self.member, reference="S")

    @rule(lot=lots, amount=grams)
    def destroy(self, lot: str | None, amount: Decimal) -> None:
        self._apply(
            lot,
            -amount,
            lot_destroy,
            grams=amount,
            reason="r",
            method="m",
            witness="w",
            destroyed_on=self.today,
        )

    @rule(lot=lots, amount=grams, sign=st.sampled_from([1, -1]))
    def correct(self, lot: str | None, amount: Decimal, sign: int) -> None:
        self._apply(lot, sign * amount, stock_correct, grams=sign * amount, reason="count")

    @invariant()
    def stock_matches_and_is_never_negative(self) -> None:
        from harvests.models import Lot

        for code, expected in self.expected.items():
            actual = lot_stock(Lot.objects.get(code=code).pk)
            assert actual == expected >= 0

    @invariant()
    def lots_fit_their_harvest(self) -> None:
        for harvest_id, put in self.put_in.items():
            assert put <= self.dry[harvest_id]

    @invariant()
    def mass_balance_adds_up(self) -> None:
        for row in mass_balance(until=timezone.localdate() + dt.timedelta(days=1)):
            assert row["difference"] == 0
            assert row["stock"] >= 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)


BOARD: Any = None
STRAIN: Any = None
MEMBER: Any = None


def test_stock_and_mass_balance_hold_under_random_operations(club) -> None:
    global BOARD, STRAIN, MEMBER
    BOARD = make_user(roles=("board",), mfa=True)
    STRAIN = make_strain()
    MEMBER = make_member(card=False)
    run_state_machine_as_test(
        StockMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
