"""JSON endpoints of the dispensing app (API.md): record and reverse dispensings, quotas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Status

from club.api_support import Id, Limit, Offset, Schema, caller, requires
from club.roles import SIGNED_IN, Role
from club.selectors import rulebook_get
from dispensing.quotas import quota_for
from dispensing.selectors import club_today, dispensings_of
from dispensing.services import dispensing_record, dispensing_reverse
from members.selectors import member_by_number, member_of_user

router = Router(tags=["dispensing"])
STAFF = (Role.BOARD, Role.COUNTER, Role.TREASURER)


class DispensingIn(Schema):
    member: int = Field(description="membership number")
    lot: str = Field(description="lot code")
    grams: str = Field(description='grams as a string, "2.5" or "2,5"')
    id_checked: bool
    idempotency_key: str | None = Field(None, max_length=100)
    card_token: str | None = Field(
        None,
        max_length=500,
        description="the scanned card's token: the server resolves it and refuses forged, "
        "revoked and suspended cards; only then is the dispensing marked card_scanned",
    )


class DispensingOut(Schema):
    receipt: int
    member: int
    lot: str
    grams: Decimal
    strain: str
    thc_percent: Decimal
    contribution: Decimal
    currency: str
    dispensed_at: dt.datetime
    local_date: dt.date
    reversed: bool
    replayed: bool = False
    remaining: dict[str, str | None] | None = None


class ReversalIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


def dispensing_out(d: Any, *, replayed: bool = False, quota: Any = None) -> dict[str, Any]:
    return {
        "receipt": d.receipt,
        "member": d.member.number,
        "lot": d.lot.code,
        "grams": d.grams,
        "strain": d.strain_name,
        "thc_percent": d.thc_percent,
        "contribution": d.contribution,
        "currency": d.currency,
        "dispensed_at": d.dispensed_at,
        "local_date": d.local_date,
        "reversed": hasattr(d, "reversal"),
        "replayed": replayed,
        "remaining": quota.as_dict()["remaining"] if quota else None,
    }


@router.post(
    "/dispensings",
    response={201: DispensingOut},
    auth=requires(Role.COUNTER),
    summary="Record a dispensing; 422 with the refusal code when a rule forbids it",
)
def dispensing_new(request: HttpRequest, payload: DispensingIn) -> Status:
    result = dispensing_record(
        actor=caller(request),
        member_number=payload.member,
        lot_code=payload.lot,
        grams=payload.grams,
        id_checked=payload.id_checked,
        idempotency_key=payload.idempotency_key,
        card_token=payload.card_token,
    )
    return Status(
        201, dispensing_out(result.dispensing, replayed=result.replayed, quota=result.quota)
    )


@router.post(
    "/dispensings/{receipt}/reversal",
    response={201: dict},
    auth=requires(Role.BOARD),
    summary="Reverse a dispensing; restores stock and quota",
)
def dispensing_reversal(request: HttpRequest, receipt: Id, payload: ReversalIn) -> Status:
    reversal = dispensing_reverse(actor=caller(request), receipt=receipt, reason=payload.reason)
    return Status(
        201,
        {
            "receipt": receipt,
            "reversal": reversal.pk,
            "reversed_at": reversal.reversed_at.isoformat(),
        },
    )


@router.get(
    "/members/{number}/quota",
    response=dict,
    auth=requires(*STAFF),
    summary="Limits, used and remaining, THC cap, eligibility and blocking codes",
)
def member_quota(request: HttpRequest, number: Id) -> dict[str, Any]:
    member = member_by_number(number)
    if member is None:
        raise Http404
    return quota_for(member, rulebook_get(), club_today()).as_dict()


@router.get("/me/quota", response=dict, auth=requires(SIGNED_IN), summary="My quota")
def my_quota(request: HttpRequest) -> dict[str, Any]:
    member = member_of_user(caller(request))
    if member is None:
        raise Http404
    return quota_for(member, rulebook_get(), club_today()).as_dict()


@router.get(
    "/me/dispensings",
    response=list[DispensingOut],
    auth=requires(SIGNED_IN),
    summary="My dispensings",
)
def my_dispensings(
    request: HttpRequest, limit: Limit = 100, offset: Offset = 0
) -> list[dict[str, Any]]:
    member = member_of_user(caller(request))
    if member is None:
        raise Http404
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    return [dispensing_out(d) for d in dispensings_of(member)[offset : offset + limit]]
