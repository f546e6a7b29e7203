"""Every write of the harvests app: one transaction each, with its audit event.

Locks: a lot's stock is checked with the lot row locked (``select_for_update``), so concurrent
outflows can never drive it below zero; lots from a harvest are created with the harvest row
locked; cap checks across batches (flowering plants, the demand plan) lock the club row first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from club import errors
from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.models import Club
from club.quantities import exact, parse_grams, parse_percent, parse_signed_grams
from club.roles import Role, acts_as
from club.selectors import rulebook_get
from club.sequences import next_value
from club.services import lock_one
from club.uploads import accepted_document
from club.validation import full_clean_or_refuse, required_text
from harvests.models import (
    Batch,
    BatchStageChange,
    Destruction,
    Harvest,
    Incident,
    LabResult,
    Lot,
    LotStatus,
    LotStatusChange,
    MovementKind,
    PlanDecision,
    ProductType,
    PropagationKind,
    PropagationMovement,
    Recall,
    Stage,
    StockMovement,
    Strain,
    Transport,
)
from harvests.selectors import plan_check, propagation_on_hand, recall_recipients
from members.models import Member, MemberStatus

PLAN_ABOVE_DEMAND = "PLAN_ABOVE_DEMAND"
PLANT_CAP_EXCEEDED = "PLANT_CAP_EXCEEDED"
LOTS_EXCEED_HARVEST = "LOTS_EXCEED_HARVEST"
LAB_RESULT_REQUIRED = "LAB_RESULT_REQUIRED"
LOT_NOT_RELEASED = "LOT_NOT_RELEASED"
LOT_EXPIRED = "LOT_EXPIRED"
STOCK_SHORT = "STOCK_SHORT"
PROPAGATION_CAP = "PROPAGATION_CAP"
PROPAGATION_SHORT = "PROPAGATION_SHORT"
TRANSPORT_NOTICE_LATE = "TRANSPORT_NOTICE_LATE"
TRANSPORT_ABOVE_SHARE = "TRANSPORT_ABOVE_SHARE"


def _now() -> dt.datetime:
    return timezone.now()


def _lock_club() -> None:
    Club.objects.select_for_update().first()


# --- Strains and batches ----------------------------------------------------------------------


@transaction.atomic
def strain_create(
    *, actor: Any, name: str, thc_min: Any, thc_max: Any, cbd_min: Any, cbd_max: Any
) -> Strain:
    name = required_text(name, "name", limit=100)
    if Strain.objects.filter(name__iexact=name).exists():
        raise StateConflict("STRAIN_EXISTS", _("A strain with this name exists."))
    strain = Strain(
        name=name,
        thc_min=parse_percent(thc_min, field="thc_min"),
        thc_max=parse_percent(thc_max, field="thc_max"),
        cbd_min=parse_percent(cbd_min, field="cbd_min"),
        cbd_max=parse_percent(cbd_max, field="cbd_max"),
    )
    if strain.thc_min > strain.thc_max or strain.cbd_min > strain.cbd_max:
        raise ServiceError(
            errors.INVALID_INPUT, _("The lower bound is above the upper one."), status=400
        )
    full_clean_or_refuse(strain)
    strain.save()
    audit_record(
        actor=actor,
        action="strain.create",
        subject=strain,
        payload={
            "name": name,
            "thc": [strain.thc_min, strain.thc_max],
            "cbd": [strain.cbd_min, strain.cbd_max],
        },
    )
    return strain


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def batch_create(
    *,
    actor: Any,
    strain_id: int,
    plants: int,
    started_on: dt.date,
    period_start: dt.date,
    period_end: dt.date,
    expected_yield_grams: Any,
    decision_reason: str = "",
) -> Batch:
    """Plan a batch for a period. Refused with ``PLAN_ABOVE_DEMAND`` when the expected yield of
    the batches serving a month would exceed that month's declared demand plus the tolerance,
    unless the board records a decision with a reason. Locks the club row (one plan at a time).
    """
    _lock_club()
    strain = Strain.objects.filter(pk=strain_id).first()
    if strain is None:
        raise errors.not_found()
    if not isinstance(plants, int) or plants < 1 or plants > 100000:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Enter the number of plants."),
            status=400,
            fields={"plants": [_("Enter the number of plants.")]},
        )
    grams = parse_grams(expected_yield_grams, allow_zero=False, field="expected_yield_grams")
    start, end = _month(period_start), _month(period_end)
    if end < start:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("The period ends before it starts."),
            status=400,
            fields={"period_end": [_("The period ends before it starts.")]},
        )
    months = plan_check(period_start=start, period_end=end, extra_grams=grams)
    excess = sum(
        (m["planned"] - m["allowed"] for m in months if m["planned"] > m["allowed"]), Decimal("0")
    )
    decision = None
    if excess > 0:
        reason = (decision_reason or "").strip()
        if not reason:
            raise ServiceError(
                PLAN_ABOVE_DEMAND,
                _(
                    "The plan exceeds declared demand plus the tolerance by %(g)s g; the board "
                    "must record a decision with a reason."
                )
                % {"g": excess.quantize(Decimal("0.01"))},
            )
        if not acts_as(actor, Role.BOARD):
            raise ServiceError(
                PLAN_ABOVE_DEMAND,
                _("Only the board can decide to grow above declared demand."),
                status=403,
            )
        decision = PlanDecision.objects.create(
            reason=reason,
            excess_grams=excess.quantize(Decimal("0.01")),
            decided_by=actor,
            decided_at=_now(),
        )
    batch = Batch(
        code=f"B-{next_value('batch_code'):05d}",
        strain=strain,
        plants=plants,
        started_on=started_on,
        period_start=start,
        period_end=end,
        expected_yield_grams=grams,
        plan_decision=decision,
    )
    full_clean_or_refuse(batch)
    batch.save()
    audit_record(
        actor=actor,
        action="batch.create",
        subject=batch,
        payload={
            "code": batch.code,
            "strain": strain.pk,
            "plants": plants,
            "period": [start, end],
            "expected_yield_grams": grams,
            "plan_decision": decision.pk if decision else None,
        },
    )
    return batch


def _lock_batch(code: str) -> Batch:
    return lock_one(Batch.objects.filter(code=code))


def _stage_change(batch: Batch, new: str, actor: Any) -> None:
    old = batch.stage
    batch.move_to(new)
    batch.save(update_fields=["stage"])
    BatchStageChange.objects.create(batch=batch, from_stage=old, to_stage=new, at=_now(), by=actor)
    audit_record(actor=actor, action="batch.stage", subject=batch, payload={"from": old, "to": new})


@transaction.atomic
def batch_move(*, actor: Any, code: str, to: str) -> Batch:
    """Move a batch to its next stage; refuses illegal moves and, into flowering, the plant cap.

    Locks the club row (the cap spans all batches), then the batch.
    """
    if to not in Stage.values or to == Stage.DESTROYED:
        raise ServiceError(errors.INVALID_INPUT, _("Unknown stage."), status=400)
    _lock_club()
    batch = _lock_batch(code)
    if to == Stage.FLOWERING and batch.stage != Stage.FLOWERING:
        cap = rulebook_get().flowering_plant_cap
        flowering = Batch.objects.filter(stage=Stage.FLOWERING).aggregate(n=Sum("plants"))["n"] or 0
        if cap is not None and flowering + batch.plants > cap:
            raise ServiceError(
                PLANT_CAP_EXCEEDED,
                _("At most %(cap)s plants may flower at once; %(n)s already do.")
                % {"cap": cap, "n": flowering},
            )
    _stage_change(batch, to, actor)
    return batch


@transaction.atomic
def batch_destroy(
    *,
    actor: Any,
    code: str,
    reason: str,
    method: str,
    witness: str,
    destroyed_on: dt.date,
    wet_grams: Any = "0",
) -> Destruction:
    """Destroy a batch's plants (with what they weighed), before a witness. Locks the batch."""
    batch = _lock_batch(code)
    destruction = Destruction(
        batch=batch,
        strain=batch.strain,
        plants=batch.plants,
        grams=parse_grams(wet_grams),
        reason=required_text(reason, "reason"),
        method=required_text(method, "method", limit=200),
        witness=required_text(witness, "witness", limit=200),
        destroyed_on=destroyed_on,
        recorded_by=actor,
        recorded_at=_now(),
    )
    _stage_change(batch, Stage.DESTROYED, actor)
    destruction.save()
    audit_record(
        actor=actor,
        action="batch.destroy",
        subject=batch,
        payload={"destruction": destruction.pk, "plants": batch.plants, "grams": destruction.grams},
    )
    return destruction


# --- Harvests, lab results, lots ----------------------------------------------------------------


@transaction.atomic
def harvest_record(
    *,
    actor: Any,
    batch_code: str,
    harvested_on: dt.date,
    wet_grams: Any,
    dry_grams: Any,
    dried_on: dt.date,
) -> Harvest:
    """Record a flowering batch's harvest (it moves to harvested). Locks the batch."""
    batch = _lock_batch(batch_code)
    wet = parse_grams(wet_grams, allow_zero=False, field="wet_grams")
    dry = parse_grams(dry_grams, allow_zero=False, field="dry_grams")
    if dry > wet:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("The dry weight cannot exceed the wet weight."),
            status=400,
            fields={"dry_grams": [_("Above the wet weight.")]},
        )
    if dried_on < harvested_on:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Drying ends after the harvest."),
            status=400,
            fields={"dried_on": [_("Drying ends after the harvest.")]},
        )
    if batch.stage == Stage.FLOWERING:
        _stage_change(batch, Stage.HARVESTED, actor)
    elif batch.stage != Stage.HARVESTED:
        raise StateConflict("BATCH_NOT_FLOWERING", _("Only a flowering batch can be harvested."))
    harvest = Harvest.objects.create(
        batch=batch,
        harvested_on=harvested_on,
        wet_grams=wet,
        dry_grams=dry,
        dried_on=dried_on,
        recorded_by=actor,
        recorded_at=_now(),
    )
    audit_record(
        actor=actor,
        action="harvest.create",
        subject=harvest,
        payload={"batch": batch.code, "wet_grams": wet, "dry_grams": dry},
    )
    return harvest


@transaction.atomic
def lab_result_record(
    *,
    actor: Any,
    harvest_id: int,
    laboratory: str,
    tested_on: dt.date,
    thc_percent: Any,
    cbd_percent: Any,
    contaminants_passed: bool,
    certificate: Any = None,
) -> LabResult:
    harvest = Harvest.objects.filter(pk=harvest_id).first()
    if harvest is None:
        raise errors.not_found()
    result = LabResult(
        harvest=harvest,
        laboratory=required_text(laboratory, "laboratory", limit=200),
        tested_on=tested_on,
        thc_percent=parse_percent(thc_percent, field="thc_percent"),
        cbd_percent=parse_percent(cbd_percent, field="cbd_percent"),
        contaminants_passed=bool(contaminants_passed),
        recorded_by=actor,
        recorded_at=_now(),
    )
    if certificate is not None:
        content = certificate.read()
        name = accepted_document(content, str(certificate.name or ""), field="certificate")
        result.certificate.save(name, ContentFile(content), save=False)
    result.save()
    audit_record(
        actor=actor,
        action="lab_result.create",
        subject=result,
        payload={
            "harvest": harvest.pk,
            "thc": result.thc_percent,
            "cbd": result.cbd_percent,
            "passed": result.contaminants_passed,
        },
    )
    return result


@transaction.atomic
def lot_create(
    *,
    actor: Any,
    harvest_id: int,
    product_type: str,
    grams: Any,
    best_before: dt.date,
    thc_percent: Any = None,
    cbd_percent: Any = None,
) -> Lot:
    """A lot from a harvest; THC and CBD come from the latest lab result (or are entered when
    there is none). Refused with ``LOTS_EXCEED_HARVEST`` when the harvest's lots would hold more
    than its dry weight. Locks the harvest row."""
    harvest = lock_one(Harvest.objects.select_related("batch").filter(pk=harvest_id))
    if product_type not in ProductType.values:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Choose flower or resin."),
            status=400,
            fields={"product_type": [_("Choose flower or resin.")]},
        )
    amount = parse_grams(grams, allow_zero=False)
    already = exact(harvest.lots.aggregate(g=Sum("grams"))["g"])
    if already + amount > harvest.dry_grams:
        raise ServiceError(
            LOTS_EXCEED_HARVEST,
            _("The harvest's lots would hold %(total)s g, more than its dry weight of %(dry)s g.")
            % {"total": already + amount, "dry": harvest.dry_grams},
            fields={"grams": [_("More than the harvest's dry weight.")]},
        )
    lab = harvest.lab_results.order_by("-tested_on", "-pk").first()
    if lab is not None:
        thc, cbd = lab.thc_percent, lab.cbd_percent
    else:
        thc = parse_percent(thc_percent, field="thc_percent")
        cbd = parse_percent(cbd_percent, field="cbd_percent")
    lot = Lot(
        code=f"L-{next_value('lot_code'):05d}",
        harvest=harvest,
        lab_result=lab,
        product_type=product_type,
        grams=amount,
        thc_percent=thc,
        cbd_percent=cbd,
        harvest_date=harvest.harvested_on,
        best_before=best_before,
    )
    full_clean_or_refuse(lot)
    lot.stock = amount
    lot.save()
    StockMovement.objects.create(
        lot=lot,
        kind=MovementKind.HARVEST_IN,
        grams=amount,
        balance_after=amount,
        at=_now(),
        by=actor,
        reason="",
    )
    audit_record(
        actor=actor,
        action="lot.create",
        subject=lot,
        payload={
            "code": lot.code,
            "harvest": harvest.pk,
            "grams": amount,
            "thc": thc,
            "cbd": cbd,
            "lab_result": lab.pk if lab else None,
        },
    )
    return lot


def _lock_lot(code: str) -> Lot:
    return lock_one(Lot.objects.filter(code=code))


def _lot_status(lot: Lot, new: str, actor: Any, reason: str = "", *, record: bool = True) -> None:
    """Move a lot's status with its change row; ``record=False`` inside an operation whose own
    audit event carries the change (a dispensing that empties the lot)."""
    old = lot.status
    lot.move_to(new)
    lot.save(update_fields=["status"])
    LotStatusChange.objects.create(
        lot=lot, from_status=old, to_status=new, reason=reason, at=_now(), by=actor
    )
    if record:
        payload = {"from": old, "to": new}
        audit_record(actor=actor, action="lot.status", subject=lot, payload=payload)


# Apps above this one (finance fixes a lot's price at cost) register what must happen, in the
# same transaction, when a lot is first released.
_release_hooks: list[Callable[[Lot, Any], Any]] = []


def register_release_hook(hook: Callable[[Lot, Any], Any]) -> None:
    if hook not in _release_hooks:
        _release_hooks.append(hook)


@transaction.atomic
def lot_release(*, actor: Any, code: str) -> Lot:
    """Release a lot for dispensing. Refused without a passing lab result where the rulebook asks
    for one, or past its best-before date. Locks the lot; the release hooks run in the same
    transaction."""
    lot = _lock_lot(code)
    if rulebook_get().lab_result_required_for_release:
        lab = lot.harvest.lab_results.order_by("-tested_on", "-pk").first()
        if lab is None or not lab.contaminants_passed:
            raise ServiceError(
                LAB_RESULT_REQUIRED,
                _("A passing lab result is needed before this lot is released."),
            )
    if lot.best_before <= timezone.localdate():
        raise ServiceError(LOT_EXPIRED, _("This lot is past its best-before date."))
    _lot_status(lot, LotStatus.RELEASED, actor)
    for hook in _release_hooks:
        hook(lot, actor)
    return lot


@transaction.atomic
def lot_recall(*, actor: Any, code: str, reason: str) -> list[Member]:
    """KCanG §26(4): block the lot at once and return every member who received it, so the board
    can inform them. The recalled stock is then destroyed (``lot_destroy``). Locks the lot."""
    lot = _lock_lot(code)
    reason = required_text(reason, "reason")
    _lot_status(lot, LotStatus.RECALLED, actor, reason)
    recall = Recall.objects.create(lot=lot, reason=reason, recalled_at=_now(), recalled_by=actor)
    recipients = recall_recipients(lot)
    audit_record(
        actor=actor,
        action="lot.recall",
        subject=lot,
        payload={"recall": recall.pk, "recipients": [m.number for m in recipients]},
    )
    return recipients


def _follow_stock(lot: Lot, actor: Any, *, record: bool = True) -> str:
    """A released lot that runs empty is depleted; a depleted lot that gets stock back (a found
    correction, a reversed dispensing) is released again. Recalled and quarantined lots stay.
    Returns the new status when it changed."""
    if lot.stock == 0 and lot.status == LotStatus.RELEASED:
        _lot_status(lot, LotStatus.DEPLETED, actor, record=record)
        return LotStatus.DEPLETED
    if lot.stock > 0 and lot.status == LotStatus.DEPLETED:
        _lot_status(lot, LotStatus.RELEASED, actor, _("Stock came back."), record=record)
        return LotStatus.RELEASED
    return ""


def _short(lot: Lot, stock: Decimal) -> ServiceError:
    return ServiceError(
        STOCK_SHORT,
        _("Only %(stock)s g are left in lot %(code)s.") % {"stock": stock, "code": lot.code},
    )


def _move(lot: Lot, grams: Decimal, kind: str, actor: Any, **extra: Any) -> StockMovement:
    """The writer of stock movements (the caller holds the lot's lock, so ``lot.stock`` is
    current): the lot's new stock and the movement that carries it as its balance. Refuses
    ``STOCK_SHORT`` below zero."""
    new = lot.stock + grams
    if new < 0:
        raise _short(lot, lot.stock)
    Lot.objects.filter(pk=lot.pk).update(stock=new)
    lot.stock = new
    return StockMovement.objects.create(
        lot=lot, kind=kind, grams=grams, balance_after=new, at=_now(), by=actor, **extra
    )


def _outflow(lot: Lot, grams: Decimal, kind: str, actor: Any, **extra: Any) -> StockMovement:
    movement = _move(lot, -grams, kind, actor, **extra)
    _follow_stock(lot, actor, record=False)  # the operation's own event carries the change
    return movement


# The lot as the counter needs it: its key, what the chain covers of it, and its stock.
_TAKE_FIELDS = (
    "id",
    *(Lot._meta.get_field(name).attname for name in Lot.AUDITED),  # type: ignore[union-attr]
    "stock",
)


def lot_take(code: str, grams: Decimal) -> Lot:
    """Lock a lot by taking ``grams`` off its stock, in one statement (``UPDATE … RETURNING``):
    the lot as it is now, with its stock after the take and its strain's name
    (``lot.strain_name``). The stock may come back below zero: the caller then refuses with
    ``lot_take_refusal`` and its transaction, rolled back, leaves the lot as it was. The
    dispensing's hot path; ``take_movement`` writes the movement that goes with it."""
    from django.db import connection

    table = Lot._meta.db_table
    columns = ", ".join(_TAKE_FIELDS)
    sql = (
        f"UPDATE {table} SET stock = ROUND(stock - %s, 2) WHERE code = %s "  # noqa: S608
        f"RETURNING {columns}, (SELECT s.name FROM harvests_harvest h "
        "JOIN harvests_batch b ON b.id = h.batch_id JOIN harvests_strain s ON s.id = b.strain_id "
        f"WHERE h.id = {table}.harvest_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [grams, code])
        row = cursor.fetchone()
    if row is None:
        raise errors.not_found()
    fields = {f.attname: f for f in Lot._meta.concrete_fields}
    values: dict[str, Any] = {}
    for name, value in zip(_TAKE_FIELDS, row[:-1], strict=True):
        field = fields[name]
        if isinstance(field, models.DecimalField) and value is not None:
            value = exact(Decimal(str(value)))
        else:
            value = field.to_python(value)
        values[name] = value
    lot = Lot.from_db(connection.alias, list(_TAKE_FIELDS), [values[n] for n in _TAKE_FIELDS])
    lot.strain_name = row[-1] or ""  # type: ignore[attr-defined]
    return lot


def lot_take_refusal(lot: Lot, grams: Decimal) -> ServiceError | None:
    """``STOCK_SHORT`` when the take left the lot below zero."""
    return _short(lot, lot.stock + grams) if lot.stock < 0 else None


def take_movement(
    lot: Lot, grams: Decimal, actor: Any, *, member: Member | None, reference: str
) -> tuple[StockMovement, str]:
    """The dispensing's stock movement, after ``lot_take`` (no audit event of its own: the
    dispensing's event carries it). Returns it and the lot's new status if it ran empty."""
    movement = StockMovement.objects.create(
        lot=lot,
        kind=MovementKind.DISPENSING_OUT,
        grams=-grams,
        balance_after=lot.stock,
        member=member,
        reference=reference[:40],
        at=_now(),
        by=actor,
    )
    return movement, _follow_stock(lot, actor, record=False)


@transaction.atomic
def lot_destroy(
    *,
    actor: Any,
    code: str,
    grams: Any,
    reason: str,
    method: str,
    witness: str,
    destroyed_on: dt.date,
) -> Destruction:
    """Destroy grams of a lot before a witness. Never more than its stock. Locks the lot."""
    lot = _lock_lot(code)
    amount = parse_grams(grams, allow_zero=False)
    destruction = Destruction(
        lot=lot,
        strain=lot.harvest.batch.strain,
        grams=amount,
        reason=required_text(reason, "reason"),
        method=required_text(method, "method", limit=200),
        witness=required_text(witness, "witness", limit=200),
        destroyed_on=destroyed_on,
        recorded_by=actor,
        recorded_at=_now(),
    )
    _outflow(lot, amount, MovementKind.DESTRUCTION, actor, reason=destruction.reason)
    destruction.save()
    audit_record(
        actor=actor,
        action="lot.destroy",
        subject=lot,
        payload={"destruction": destruction.pk, "grams": amount},
    )
    return destruction


@transaction.atomic
def stock_withdraw(
    *, actor: Any, code: str, grams: Any, member: Member | None, reference: str
) -> StockMovement:
    """Take grams out of a released lot on its own, with its own audit event (the dispensing
    service takes them with ``lot_take`` inside its transaction instead). Refused with
    ``STOCK_SHORT`` below zero. Locks the lot row."""
    lot = _lock_lot(code)
    if lot.status != LotStatus.RELEASED:
        raise ServiceError(LOT_NOT_RELEASED, _("This lot is not released."))
    if lot.best_before <= timezone.localdate():
        raise ServiceError(LOT_EXPIRED, _("This lot is past its best-before date."))
    amount = parse_grams(grams, allow_zero=False)
    movement = _outflow(
        lot, amount, MovementKind.DISPENSING_OUT, actor, member=member, reference=reference[:40]
    )
    audit_record(
        actor=actor,
        action="stock.withdraw",
        subject=lot,
        payload={
            "movement": movement.pk,
            "grams": amount,
            "reference": reference,
            "member": member.number if member else None,
        },
    )
    return movement


@transaction.atomic
def stock_return(
    *, actor: Any, code: str, grams: Any, member: Member | None, reference: str, reason: str
) -> StockMovement:
    """Put grams back into a lot for a reversed dispensing. Locks the lot. No audit event of its
    own: the reversal's event carries the movement (and the lot's release if it was empty)."""
    lot = _lock_lot(code)
    amount = parse_grams(grams, allow_zero=False)
    movement = _move(
        lot,
        amount,
        MovementKind.DISPENSING_REVERSAL,
        actor,
        member=member,
        reference=reference[:40],
        reason=required_text(reason, "reason"),
    )
    _follow_stock(lot, actor, record=False)
    return movement


@transaction.atomic
def stock_correct(*, actor: Any, code: str, grams: Any, reason: str) -> StockMovement:
    """An inventory correction with a reason (+ found, - missing). Stock never goes below zero.
    Locks the lot."""
    lot = _lock_lot(code)
    amount = parse_signed_grams(grams)
    reason = required_text(reason, "reason")
    movement = _move(lot, amount, MovementKind.CORRECTION, actor, reason=reason)
    _follow_stock(lot, actor, record=False)  # stock.correct's event carries the change
    audit_record(
        actor=actor,
        action="stock.correct",
        subject=lot,
        payload={"movement": movement.pk, "grams": amount},
    )
    return movement


@transaction.atomic
def incident_record(
    *,
    actor: Any,
    kind: str,
    grams_missing: Any,
    description: str,
    noticed_on: dt.date,
    lot_code: str = "",
    reported_to_authority_on: dt.date | None = None,
    authority_reference: str = "",
) -> Incident:
    """KCanG §26(5): record a suspected loss or diversion and its report to the authority."""
    if kind not in Incident.Kind.values:
        raise ServiceError(errors.INVALID_INPUT, _("Choose the kind of incident."), status=400)
    lot = Lot.objects.filter(code=lot_code).first() if lot_code else None
    if lot_code and lot is None:
        raise errors.not_found()
    incident = Incident.objects.create(
        kind=kind,
        lot=lot,
        grams_missing=parse_grams(grams_missing, field="grams_missing"),
        description=required_text(description, "description"),
        noticed_on=noticed_on,
        reported_to_authority_on=reported_to_authority_on,
        authority_reference=(authority_reference or "")[:100],
        recorded_by=actor,
        recorded_at=_now(),
    )
    audit_record(
        actor=actor,
        action="incident.create",
        subject=incident,
        payload={
            "kind": kind,
            "lot": lot_code or None,
            "grams": incident.grams_missing,
            "reported": reported_to_authority_on,
        },
    )
    return incident


# --- Seeds and cuttings -------------------------------------------------------------------------


@transaction.atomic
def propagation_receive(
    *, actor: Any, strain_id: int, kind: str, count: int, supplier: str, on: dt.date
) -> PropagationMovement:
    """Seeds or cuttings received, with the supplier (KCanG §26(1))."""
    strain = Strain.objects.filter(pk=strain_id).first()
    if strain is None:
        raise errors.not_found()
    if kind not in PropagationKind.values or not isinstance(count, int) or count < 1:
        raise ServiceError(
            errors.INVALID_INPUT, _("Enter a count of seeds or cuttings."), status=400
        )
    move = PropagationMovement.objects.create(
        strain=strain,
        kind=kind,
        direction=PropagationMovement.Direction.RECEIVED,
        count=count,
        supplier=required_text(supplier, "supplier", limit=200),
        on=on,
        recorded_by=actor,
        recorded_at=_now(),
    )
    audit_record(
        actor=actor,
        action="propagation.receive",
        subject=move,
        payload={"strain": strain.pk, "kind": kind, "count": count},
    )
    return move


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


@transaction.atomic
def propagation_out(
    *,
    actor: Any,
    strain_id: int,
    kind: str,
    count: int,
    direction: str,
    on: dt.date,
    member_number: int | None = None,
    non_member: bool = False,
    reason: str = "",
) -> PropagationMovement:
    """Seeds or cuttings handed out (to a member, or an adult resident non-member: count and
    date only), planted or destroyed. Hand-outs are capped per person and calendar month by the
    rulebook (DE: 7 seeds or 5 cuttings, 5 when mixed). Locks the club row (stock on hand), and
    the member row for a member's monthly cap."""
    _lock_club()
    strain = Strain.objects.filter(pk=strain_id).first()
    if strain is None:
        raise errors.not_found()
    directions = PropagationMovement.Direction
    if (
        kind not in PropagationKind.values
        or direction == directions.RECEIVED
        or direction not in directions.values
        or not isinstance(count, int)
        or count < 1
    ):
        raise ServiceError(
            errors.INVALID_INPUT, _("Enter a count of seeds or cuttings."), status=400
        )
    if propagation_on_hand(strain_id=strain.pk, kind=kind) < count:
        raise ServiceError(PROPAGATION_SHORT, _("Not that many on hand."))
    member = None
    if direction == directions.HANDED_OUT:
        book = rulebook_get()
        caps: dict[str, int | None] = {
            PropagationKind.SEED: book.seeds_per_month,
            PropagationKind.CUTTING: book.cuttings_per_month,
        }
        given: dict[str, int] = {PropagationKind.SEED: 0, PropagationKind.CUTTING: 0}
        if member_number is not None:
            member = lock_one(Member.objects.filter(number=member_number))
            if member.status != MemberStatus.ACTIVE:
                raise ServiceError("MEMBER_NOT_ACTIVE", _("This membership is not active."))
            start, end = _month_bounds(on)
            for row in (
                PropagationMovement.objects.filter(
                    member=member, direction=directions.HANDED_OUT, on__gte=start, on__lt=end
                )
                .values("kind")
                .annotate(n=Sum("count"))
            ):
                given[row["kind"]] = -row["n"]
        elif not non_member:
            raise ServiceError(
                errors.INVALID_INPUT, _("Name the member, or mark an adult non-member."), status=400
            )
        given[kind] += count
        cap = caps[kind]
        mixed = book.propagation_mixed_per_month
        both = given[PropagationKind.SEED] > 0 and given[PropagationKind.CUTTING] > 0
        if (cap is not None and given[kind] > cap) or (
            both and mixed is not None and sum(given.values()) > mixed
        ):
            raise ServiceError(
                PROPAGATION_CAP,
                _("This is above the monthly limit of seeds and cuttings per person."),
            )
    move = PropagationMovement.objects.create(
        strain=strain,
        kind=kind,
        direction=direction,
        count=-count,
        member=member,
        non_member=non_member and member is None,
        supplier="",
        on=on,
        recorded_by=actor,
        recorded_at=_now(),
    )
    if direction == directions.DESTROYED:
        Destruction.objects.create(
            strain=strain,
            seeds=count if kind == PropagationKind.SEED else 0,
            cuttings=count if kind == PropagationKind.CUTTING else 0,
            reason=required_text(reason, "reason"),
            method=_("as recorded"),
            witness="-",
            destroyed_on=on,
            recorded_by=actor,
            recorded_at=_now(),
        )
    audit_record(
        actor=actor,
        action=f"propagation.{direction}",
        subject=move,
        payload={
            "strain": strain.pk,
            "kind": kind,
            "count": count,
            "member": member.number if member else None,
        },
    )
    return move


# --- Transports --------------------------------------------------------------------------------


def latest_notice_day(transport_on: dt.date, working_days: int) -> dt.date:
    """The last day a notice may be sent: ``working_days`` working days (Monday to Friday)
    before the transport. Public holidays differ by state and are not counted here."""
    day, left = transport_on, working_days
    while left > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


@transaction.atomic
def transport_record(
    *,
    actor: Any,
    grams: Any,
    strain_ids: list[int],
    accompanying_member_number: int,
    on: dt.date,
    start: str,
    destination: str,
    notice_sent_on: dt.date | None,
) -> Transport:
    """KCanG §22(3): above the notice threshold the authority must have been told at least one
    working day ahead, and one trip carries at most 1/12 of the annual quantity."""
    book = rulebook_get()
    amount = parse_grams(grams, allow_zero=False)
    member = Member.objects.filter(
        number=accompanying_member_number, status=MemberStatus.ACTIVE
    ).first()
    if member is None:
        raise ServiceError(
            "MEMBER_NOT_ACTIVE",
            _("A member must accompany the transport."),
            fields={"accompanying_member_number": [_("No active member.")]},
        )
    strains = list(Strain.objects.filter(pk__in=strain_ids))
    if not strains or len(strains) != len(set(strain_ids)):
        raise ServiceError(errors.INVALID_INPUT, _("Name the strains transported."), status=400)
    threshold = book.transport_notice_above_grams
    if threshold is not None and amount > threshold:
        latest = latest_notice_day(on, book.transport_notice_working_days)
        if notice_sent_on is None or notice_sent_on > latest:
            raise ServiceError(
                TRANSPORT_NOTICE_LATE,
                _("The authority must be told by %(day)s for this transport.")
                % {"day": latest.isoformat()},
            )
    if book.transport_annual_divisor and book.annual_quantity_grams:
        share = book.annual_quantity_grams / book.transport_annual_divisor
        if amount > share:
            raise ServiceError(
                TRANSPORT_ABOVE_SHARE,
                _("One transport may carry at most %(g)s g (1/%(n)s of the annual quantity).")
                % {"g": share.quantize(Decimal("0.01")), "n": book.transport_annual_divisor},
            )
    transport = Transport.objects.create(
        grams=amount,
        accompanying_member=member,
        on=on,
        start=required_text(start, "start", limit=300),
        destination=required_text(destination, "destination", limit=300),
        notice_sent_on=notice_sent_on,
        recorded_by=actor,
        recorded_at=_now(),
    )
    transport.strains.set(strains)
    audit_record(
        actor=actor,
        action="transport.create",
        subject=transport,
        payload={
            "grams": amount,
            "strains": sorted(s.pk for s in strains),
            "member": member.number,
            "on": on,
        },
    )
    return transport
