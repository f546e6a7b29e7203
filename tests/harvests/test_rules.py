"""Worked examples of the harvests rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from club.errors import AppendOnlyError, ServiceError
from harvests.models import (
    LOT_MOVES,
    STAGE_MOVES,
    Batch,
    Lot,
    LotStatus,
    Stage,
    StockMovement,
)
from harvests.selectors import lot_stock, mass_balance, plan_check
from harvests.services import (
    batch_create,
    batch_destroy,
    batch_move,
    lab_result_record,
    lot_create,
    lot_destroy,
    lot_recall,
    lot_release,
    propagation_out,
    propagation_receive,
    stock_correct,
    stock_withdraw,
    transport_record,
)
from tests.factories import (
    make_harvest,
    make_lot,
    make_member,
    make_strain,
    make_user,
    set_rules,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def code(fn, *args, **kwargs) -> str:
    with pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


# --- The plan follows declared demand -------------------------------------------------------


def test_plan_above_demand_is_refused_then_accepted_with_a_board_decision(club) -> None:
    set_rules("DE")  # tolerance 10 %
    for _ in range(3):
        make_member(forecast="20", card=False)  # demand: 60 g a month
    grower = make_user(roles=("grower",), mfa=True)
    board = make_user(roles=("board",), mfa=True)
    strain = make_strain()
    month = TODAY().replace(day=1)
    args = dict(
        strain_id=strain.pk, plants=2, started_on=TODAY(), period_start=month, period_end=month
    )
    batch = batch_create(actor=grower, expected_yield_grams="66", **args)  # exactly 60 + 10 %
    assert batch.plan_decision is None
    assert code(batch_create, actor=grower, expected_yield_grams="1", **args) == "PLAN_ABOVE_DEMAND"
    # A grower cannot override; the board can, with a reason.
    assert (
        code(batch_create, actor=grower, expected_yield_grams="10", decision_reason="x", **args)
        == "PLAN_ABOVE_DEMAND"
    )
    big = batch_create(
        actor=board, expected_yield_grams="10", decision_reason="Reserve after a mould loss", **args
    )
    assert big.plan_decision is not None and big.plan_decision.excess_grams == Decimal("10")
    rows = plan_check(period_start=month, period_end=month)
    assert rows[0]["demand"] == Decimal("60") and rows[0]["planned"] == Decimal("76")


def test_a_batch_spreads_its_yield_over_the_months_it_serves(club) -> None:
    set_rules("DE")
    make_member(forecast="30", card=False)
    month = TODAY().replace(day=1)
    from members.rules import add_months

    batch_create(
        actor=make_user(roles=("grower",), mfa=True),
        strain_id=make_strain().pk,
        plants=1,
        started_on=TODAY(),
        period_start=month,
        period_end=add_months(month, 2),
        expected_yield_grams="99",
    )
    rows = plan_check(period_start=month, period_end=add_months(month, 2))
    assert [r["planned"] for r in rows] == [Decimal("33")] * 3


# --- Stages, plant cap ---------------------------------------------------------------------------

ILLEGAL_STAGES = [(a, b) for a in Stage.values for b in Stage.values if b not in STAGE_MOVES[a]]
ILLEGAL_LOT = [(a, b) for a in LotStatus.values for b in LotStatus.values if b not in LOT_MOVES[a]]


@pytest.mark.parametrize(("old", "new"), ILLEGAL_STAGES)
def test_illegal_stage_moves_are_refused(old: str, new: str) -> None:
    batch = Batch(stage=old)
    with pytest.raises(ServiceError):
        batch.move_to(new)
    assert batch.stage == old


@pytest.mark.parametrize(("old", "new"), ILLEGAL_LOT)
def test_illegal_lot_moves_are_refused(old: str, new: str) -> None:
    lot = Lot(status=old)
    with pytest.raises(ServiceError):
        lot.move_to(new)
    assert lot.status == old


def test_stage_skip_refused_through_the_service(club) -> None:
    board = make_user(roles=("board",), mfa=True)
    batch = batch_create(
        actor=board,
        strain_id=make_strain().pk,
        plants=3,
        started_on=TODAY(),
        period_start=TODAY(),
        period_end=TODAY(),
        expected_yield_grams="5",
        decision_reason="x",
    )
    assert code(batch_move, actor=board, code=batch.code, to="harvested") == "ILLEGAL_STATUS_MOVE"
    batch.refresh_from_db()
    assert batch.stage == Stage.PROPAGATION
    batch_destroy(
        actor=board,
        code=batch.code,
        reason="mites",
        method="composted",
        witness="Greta",
        destroyed_on=TODAY(),
    )
    assert code(batch_move, actor=board, code=batch.code, to="vegetative") == "ILLEGAL_STATUS_MOVE"


def test_uy_plant_cap_holds_across_batches(club) -> None:
    set_rules("UY")
    board = make_user(roles=("board",), mfa=True)

    def batch(plants: int) -> Batch:
        b = batch_create(
            actor=board,
            strain_id=make_strain().pk,
            plants=plants,
            started_on=TODAY(),
            period_start=TODAY(),
            period_end=TODAY(),
            expected_yield_grams="5",
            decision_reason="x",
        )
        batch_move(actor=board, code=b.code, to="vegetative")
        return b

    first, second = batch(60), batch(40)
    batch_move(actor=board, code=first.code, to="flowering")
    assert code(batch_move, actor=board, code=second.code, to="flowering") == "PLANT_CAP_EXCEEDED"
    third = batch(39)
    batch_move(actor=board, code=third.code, to="flowering")  # 99 plants flower


# --- Harvests and lots ---------------------------------------------------------------------------


def test_harvest_needs_a_flowering_batch_and_sane_weights(club) -> None:
    from harvests.services import harvest_record

    board = make_user(roles=("board",), mfa=True)
    batch = batch_create(
        actor=board,
        strain_id=make_strain().pk,
        plants=1,
        started_on=TODAY(),
        period_start=TODAY(),
        period_end=TODAY(),
        expected_yield_grams="5",
        decision_reason="x",
    )
    args: dict[str, Any] = dict(
        actor=board, batch_code=batch.code, harvested_on=TODAY(), dried_on=TODAY()
    )
    assert code(harvest_record, wet_grams="10", dry_grams="2", **args) == "BATCH_NOT_FLOWERING"
    batch_move(actor=board, code=batch.code, to="vegetative")
    batch_move(actor=board, code=batch.code, to="flowering")
    assert code(harvest_record, wet_grams="10", dry_grams="12", **args) == "INVALID_INPUT"
    assert code(harvest_record, wet_grams="-10", dry_grams="2", **args) == "GRAMS_INVALID"
    harvest = harvest_record(wet_grams="10,5", dry_grams="2.5", **args)
    assert harvest.drying_loss_grams == Decimal("8.0")


def test_lots_cannot_hold_more_than_the_dry_weight(club) -> None:
    harvest = make_harvest(dry="250")
    make_lot(harvest=harvest, grams="200")
    assert (
        code(
            lot_create,
            actor=None,
            harvest_id=harvest.pk,
            product_type="flower",
            grams="50.01",
            best_before=TODAY() + dt.timedelta(days=90),
            thc_percent="10",
            cbd_percent="1",
        )
        == "LOTS_EXCEED_HARVEST"
    )
    make_lot(harvest=harvest, grams="50")


def test_release_without_lab_result_refused_where_required(club) -> None:
    set_rules("DE", lab_result_required_for_release="true")
    harvest = make_harvest()
    lot = make_lot(harvest=harvest, release=False)
    assert code(lot_release, actor=None, code=lot.code) == "LAB_RESULT_REQUIRED"
    lab_result_record(
        actor=None,
        harvest_id=harvest.pk,
        laboratory="Lab",
        tested_on=TODAY(),
        thc_percent="11",
        cbd_percent="1",
        contaminants_passed=False,
    )
    assert code(lot_release, actor=None, code=lot.code) == "LAB_RESULT_REQUIRED"
    lab_result_record(
        actor=None,
        harvest_id=harvest.pk,
        laboratory="Lab",
        tested_on=TODAY(),
        thc_percent="11",
        cbd_percent="1",
        contaminants_passed=True,
    )
    lot_release(actor=None, code=lot.code)
    # A new lot takes THC and CBD from the lab result.
    second = make_lot(harvest=harvest, grams="10")
    assert second.thc_percent == Decimal("11")


def test_release_allowed_without_lab_where_not_required(club) -> None:
    set_rules("DE")
    lot = make_lot()
    assert lot.status == LotStatus.RELEASED


def test_stock_is_derived_and_never_below_zero(club) -> None:
    lot = make_lot(grams="10")
    member = make_member(card=False)
    stock_withdraw(actor=None, code=lot.code, grams="4", member=member, reference="R1")
    assert lot_stock(lot.pk) == Decimal("6")
    assert (
        code(stock_withdraw, actor=None, code=lot.code, grams="6.01", member=member, reference="R2")
        == "STOCK_SHORT"
    )
    assert code(stock_correct, actor=None, code=lot.code, grams="-7", reason="x") == "STOCK_SHORT"
    stock_correct(actor=None, code=lot.code, grams="-1", reason="weighed again")
    lot_destroy(
        actor=None,
        code=lot.code,
        grams="5",
        reason="mould",
        method="burnt",
        witness="Paula",
        destroyed_on=TODAY(),
    )
    lot.refresh_from_db()
    assert lot_stock(lot.pk) == 0 and lot.status == LotStatus.DEPLETED
    assert (
        code(stock_withdraw, actor=None, code=lot.code, grams="1", member=member, reference="R3")
        == "LOT_NOT_RELEASED"
    )


@pytest.mark.parametrize("grams", ["-1", "0", "abc", "1e9", "1.234", ""])
def test_malformed_grams_write_nothing(club, grams: str) -> None:
    lot = make_lot(grams="10")
    before = StockMovement.objects.count()
    with pytest.raises(ServiceError):
        stock_withdraw(actor=None, code=lot.code, grams=grams, member=None, reference="x")
    assert StockMovement.objects.count() == before


def test_recall_blocks_the_lot_and_lists_recipients(club) -> None:
    lot = make_lot(grams="50")
    alice, bob, carl = (make_member(card=False) for _ in range(3))
    stock_withdraw(actor=None, code=lot.code, grams="5", member=alice, reference="R1")
    stock_withdraw(actor=None, code=lot.code, grams="3", member=bob, reference="R2")
    recipients = lot_recall(actor=None, code=lot.code, reason="Aspergillus found")
    assert [m.number for m in recipients] == sorted([alice.number, bob.number])
    assert carl not in recipients
    assert (
        code(stock_withdraw, actor=None, code=lot.code, grams="1", member=carl, reference="R3")
        == "LOT_NOT_RELEASED"
    )
    lot_destroy(
        actor=None,
        code=lot.code,
        grams=lot_stock(lot.pk),
        reason="recall",
        method="incinerated",
        witness="Paula",
        destroyed_on=TODAY(),
    )
    assert lot_stock(lot.pk) == 0


def test_stock_movements_are_append_only(club) -> None:
    lot = make_lot()
    movement = StockMovement.objects.filter(lot=lot)[0]
    movement.grams = Decimal("999")
    with pytest.raises(AppendOnlyError):
        movement.save()


@pytest.mark.postgres
@pytest.mark.parametrize("sql", ["UPDATE {t} SET grams = 999", "DELETE FROM {t}"])
def test_postgres_rejects_update_and_delete_of_stock_movements(club, sql: str) -> None:
    make_lot()
    with (
        pytest.raises(DatabaseError, match="append_only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(t=StockMovement._meta.db_table))


def test_mass_balance_adds_up_and_flags_corrections(club) -> None:
    strain = make_strain("Balance Kush")
    harvest = make_harvest(strain=strain, wet="1000", dry="250")
    lot = make_lot(harvest=harvest, grams="200")
    member = make_member(card=False)
    stock_withdraw(actor=None, code=lot.code, grams="20", member=member, reference="R")
    lot_destroy(
        actor=None,
        code=lot.code,
        grams="10",
        reason="x",
        method="y",
        witness="z",
        destroyed_on=TODAY(),
    )
    (row,) = mass_balance(until=TODAY() + dt.timedelta(days=1))
    assert row["grown"] == Decimal("1000") and row["drying_loss"] == Decimal("750")
    assert row["dispensed"] == Decimal("20") and row["destroyed"] == Decimal("10")
    assert row["stock"] == Decimal("170") and row["not_in_lots"] == Decimal("50")
    assert row["difference"] == 0 and not row["flagged"]
    stock_correct(actor=None, code=lot.code, grams="-2", reason="scale")
    (row,) = mass_balance(until=TODAY() + dt.timedelta(days=1))
    assert row["difference"] == 0 and row["flagged"] and row["corrections"] == Decimal("-2")


# --- Seeds, cuttings, transports ----------------------------------------------------------------


def test_de_seed_and_cutting_caps(club) -> None:
    set_rules("DE")
    strain = make_strain()
    member = make_member(card=False)
    propagation_receive(
        actor=None,
        strain_id=strain.pk,
        kind="seed",
        count=50,
        supplier="Samenbank GmbH",
        on=TODAY(),
    )
    propagation_receive(
        actor=None,
        strain_id=strain.pk,
        kind="cutting",
        count=50,
        supplier="Mutterpflanze e.V.",
        on=TODAY(),
    )
    give = dict(
        actor=None,
        strain_id=strain.pk,
        direction="handed_out",
        on=TODAY(),
        member_number=member.number,
    )
    propagation_out(kind="seed", count=7, **give)
    assert code(propagation_out, kind="seed", count=1, **give) == "PROPAGATION_CAP"
    other = make_member(card=False)
    give["member_number"] = other.number
    propagation_out(kind="cutting", count=3, **give)
    assert code(propagation_out, kind="seed", count=3, **give) == "PROPAGATION_CAP"  # 6 mixed
    propagation_out(kind="seed", count=2, **give)  # 5 mixed
    next_month = (TODAY().replace(day=1) + dt.timedelta(days=40)).replace(day=1)
    propagation_out(kind="seed", count=7, **{**give, "on": next_month})
    assert (
        code(
            propagation_out,
            actor=None,
            strain_id=strain.pk,
            kind="seed",
            count=8,
            direction="handed_out",
            on=TODAY(),
            non_member=True,
        )
        == "PROPAGATION_CAP"
    )
    assert (
        code(
            propagation_out,
            actor=None,
            strain_id=strain.pk,
            kind="seed",
            count=100,
            direction="destroyed",
            on=TODAY(),
            reason="old",
        )
        == "PROPAGATION_SHORT"
    )


def test_de_transport_notice_and_twelfth(club) -> None:
    set_rules("DE", annual_quantity_grams="12000")
    member = make_member(card=False)
    strain = make_strain()
    friday = TODAY() + dt.timedelta(days=(4 - TODAY().weekday()) % 7 + 7)
    monday = friday + dt.timedelta(days=3)
    args = dict(
        actor=None,
        strain_ids=[strain.pk],
        accompanying_member_number=member.number,
        start="Site A",
        destination="Site B",
    )
    # 25 g or less needs no notice.
    transport_record(grams="25", on=monday, notice_sent_on=None, **args)
    # On Monday the notice must have gone by the previous Friday.
    assert (
        code(transport_record, grams="26", on=monday, notice_sent_on=monday, **args)
        == "TRANSPORT_NOTICE_LATE"
    )
    assert (
        code(
            transport_record,
            grams="26",
            on=monday,
            notice_sent_on=friday + dt.timedelta(days=1),
            **args,
        )
        == "TRANSPORT_NOTICE_LATE"
    )
    transport_record(grams="26", on=monday, notice_sent_on=friday, **args)
    # At most 12000 / 12 = 1000 g per trip.
    assert (
        code(transport_record, grams="1000.01", on=monday, notice_sent_on=friday, **args)
        == "TRANSPORT_ABOVE_SHARE"
    )
    transport_record(grams="1000", on=monday, notice_sent_on=friday, **args)


def test_many_small_outflows_empty_a_lot_exactly(club) -> None:
    # SQLite sums decimals in floating point: 0.04 - 4 x 0.01 must still be exactly 0.
    lot = make_lot(grams="0.04")
    for _ in range(4):
        stock_withdraw(actor=None, code=lot.code, grams="0.01", member=None, reference="x")
    assert lot_stock(lot.pk) == Decimal("0") and str(lot_stock(lot.pk)) == "0.00"
    lot.refresh_from_db()
    assert lot.status == LotStatus.DEPLETED


def test_stock_coming_back_releases_a_depleted_lot(club) -> None:
    from harvests.services import stock_return

    lot = make_lot(grams="1")
    member = make_member(card=False)
    stock_withdraw(actor=None, code=lot.code, grams="1", member=member, reference="R1")
    lot.refresh_from_db()
    assert lot.status == LotStatus.DEPLETED
    stock_return(
        actor=None,
        code=lot.code,
        grams="1",
        member=member,
        reference="R1",
        reason="reversed at the counter",
    )
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED and lot_stock(lot.pk) == Decimal("1")
    from harvests.selectors import recall_recipients

    assert recall_recipients(lot) == []  # net of the reversal, the member holds nothing


def test_mass_balance_command_flags_corrections(club) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    lot = make_lot(grams="10")
    tomorrow = str(TODAY() + dt.timedelta(days=1))
    call_command("mass_balance_check", "--until", tomorrow)
    stock_correct(actor=None, code=lot.code, grams="-1", reason="weighed again")
    with pytest.raises(CommandError, match="flagged"):
        call_command("mass_balance_check", "--until", tomorrow)


def test_incident_is_recorded_with_its_report(club) -> None:
    from harvests.models import Incident
    from harvests.services import incident_record

    lot = make_lot(grams="10")
    incident = incident_record(
        actor=None,
        kind="diversion",
        lot_code=lot.code,
        grams_missing="3,5",
        description="Jar missing after the night",
        noticed_on=TODAY(),
        reported_to_authority_on=TODAY(),
        authority_reference="LAGeSo-2026-17",
    )
    assert incident.grams_missing == Decimal("3.5") and incident.lot == lot
    assert (
        code(
            incident_record,
            actor=None,
            kind="diversion",
            lot_code="L-NOPE",
            grams_missing="1",
            description="x",
            noticed_on=TODAY(),
        )
        == "NOT_FOUND"
    )
    assert (
        code(
            incident_record,
            actor=None,
            kind="gossip",
            grams_missing="1",
            description="x",
            noticed_on=TODAY(),
        )
        == "INVALID_INPUT"
    )
    assert Incident.objects.count() == 1
