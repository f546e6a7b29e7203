"""JSON endpoints of the harvests app (API.md): strains, batches, harvests, lots, release,
recall, destructions and the released lots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Status

from club.api_support import Schema, caller, requires
from club.roles import Role
from harvests.models import Batch, Lot
from harvests.selectors import lots_with_stock
from harvests.services import (
    batch_create,
    batch_move,
    harvest_record,
    lot_create,
    lot_destroy,
    lot_recall,
    lot_release,
    strain_create,
)

router = Router(tags=["harvests"])
GROWER = (Role.GROWER,)
GROWER_BOARD = (Role.GROWER, Role.BOARD)
STAFF = (Role.BOARD, Role.COUNTER, Role.GROWER, Role.TREASURER)


class StrainIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    thc_min: str
    thc_max: str
    cbd_min: str
    cbd_max: str


class BatchIn(Schema):
    strain_id: int
    plants: int = Field(ge=1, le=100000)
    started_on: dt.date
    period_start: dt.date
    period_end: dt.date
    expected_yield_grams: str
    decision_reason: str = Field(
        "", max_length=2000, description="Board only: why the plan may exceed demand"
    )


class BatchOut(Schema):
    code: str
    strain_id: int
    plants: int
    stage: str
    period_start: dt.date
    period_end: dt.date
    expected_yield_grams: Decimal
    plan_decision_id: int | None


class StageIn(Schema):
    to: Literal["vegetative", "flowering", "harvested", "closed"]


class HarvestIn(Schema):
    harvested_on: dt.date
    wet_grams: str
    dry_grams: str
    dried_on: dt.date


class HarvestOut(Schema):
    id: int
    batch: str
    wet_grams: Decimal
    dry_grams: Decimal
    drying_loss_grams: Decimal


class LotIn(Schema):
    harvest_id: int
    product_type: Literal["flower", "resin"]
    grams: str
    best_before: dt.date
    thc_percent: str | None = None
    cbd_percent: str | None = None


class LotOut(Schema):
    code: str
    status: str
    product_type: str
    strain: str
    grams: Decimal
    stock: Decimal
    thc_percent: Decimal
    cbd_percent: Decimal
    harvest_date: dt.date
    best_before: dt.date


class RecallIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class RecipientOut(Schema):
    number: int
    first_name: str
    last_name: str


class DestructionIn(Schema):
    grams: str
    reason: str = Field(min_length=1, max_length=2000)
    method: str = Field(min_length=1, max_length=200)
    witness: str = Field(min_length=1, max_length=200)
    destroyed_on: dt.date | None = None


def _batch_out(b: Batch) -> dict[str, Any]:
    return {
        "code": b.code,
        "strain_id": b.strain_id,
        "plants": b.plants,
        "stage": b.stage,
        "period_start": b.period_start,
        "period_end": b.period_end,
        "expected_yield_grams": b.expected_yield_grams,
        "plan_decision_id": b.plan_decision_id,
    }


def _lot_out(lot: Lot, stock: Decimal | None = None) -> dict[str, Any]:
    from harvests.selectors import lot_stock

    return {
        "code": lot.code,
        "status": lot.status,
        "product_type": lot.product_type,
        "strain": lot.harvest.batch.strain.name,
        "grams": lot.grams,
        "stock": stock if stock is not None else lot_stock(lot.pk),
        "thc_percent": lot.thc_percent,
        "cbd_percent": lot.cbd_percent,
        "harvest_date": lot.harvest_date,
        "best_before": lot.best_before,
    }


@router.post("/strains", response={201: dict}, auth=requires(*GROWER), summary="A strain")
def strain_new(request: HttpRequest, payload: StrainIn) -> Status:
    strain = strain_create(actor=caller(request), **payload.dict())
    return Status(201, {"id": strain.pk, "name": strain.name})


@router.post(
    "/batches",
    response={201: BatchOut},
    auth=requires(*GROWER_BOARD),
    summary="Plan a batch; above declared demand it needs a board decision",
)
def batch_new(request: HttpRequest, payload: BatchIn) -> Status:
    return Status(201, _batch_out(batch_create(actor=caller(request), **payload.dict())))


@router.post(
    "/batches/{code}/stage",
    response=BatchOut,
    auth=requires(*GROWER),
    summary="Move a batch to its next stage",
)
def batch_stage(request: HttpRequest, code: str, payload: StageIn) -> dict[str, Any]:
    return _batch_out(batch_move(actor=caller(request), code=code, to=payload.to))


@router.post(
    "/batches/{code}/harvests",
    response={201: HarvestOut},
    auth=requires(*GROWER),
    summary="Wet and dry weight",
)
def harvest_new(request: HttpRequest, code: str, payload: HarvestIn) -> Status:
    h = harvest_record(actor=caller(request), batch_code=code, **payload.dict())
    return Status(
        201,
        {
            "id": h.pk,
            "batch": code,
            "wet_grams": h.wet_grams,
            "dry_grams": h.dry_grams,
            "drying_loss_grams": h.drying_loss_grams,
        },
    )


@router.post(
    "/lots", response={201: LotOut}, auth=requires(*GROWER), summary="A lot from a harvest"
)
def lot_new(request: HttpRequest, payload: LotIn) -> Status:
    lot = lot_create(actor=caller(request), **payload.dict())
    return Status(201, _lot_out(lot))


@router.post(
    "/lots/{code}/release",
    response=LotOut,
    auth=requires(*GROWER_BOARD),
    summary="Release a lot for dispensing",
)
def lot_release_api(request: HttpRequest, code: str) -> dict[str, Any]:
    return _lot_out(lot_release(actor=caller(request), code=code))


@router.post(
    "/lots/{code}/recall",
    response=list[RecipientOut],
    auth=requires(*GROWER_BOARD),
    summary="Recall a lot; returns every member who received it",
)
def lot_recall_api(request: HttpRequest, code: str, payload: RecallIn) -> list[dict[str, Any]]:
    members = lot_recall(actor=caller(request), code=code, reason=payload.reason)
    return [
        {"number": m.number, "first_name": m.first_name, "last_name": m.last_name} for m in members
    ]


@router.post(
    "/lots/{code}/destructions",
    response={201: dict},
    auth=requires(*GROWER),
    summary="Destroy grams of a lot before a witness",
)
def lot_destruction(request: HttpRequest, code: str, payload: DestructionIn) -> Status:
    data = payload.dict()
    data["destroyed_on"] = data["destroyed_on"] or timezone.localdate()
    d = lot_destroy(actor=caller(request), code=code, **data)
    return Status(201, {"id": d.pk, "grams": str(d.grams)})


@router.get(
    "/lots", response=list[LotOut], auth=requires(*STAFF), summary="Lots with stock, THC and CBD"
)
def lot_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [_lot_out(lot, lot.stock) for lot in lots_with_stock(status=status)]


@router.get("/lots/{code}", response=LotOut, auth=requires(*STAFF), summary="One lot")
def lot_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    lot = Lot.objects.select_related("harvest__batch__strain").filter(code=code).first()
    if lot is None:
        raise Http404
    return _lot_out(lot)
