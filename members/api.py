"""JSON endpoints of the members app (API.md): applications, identity checks, decisions,
members, status, forecasts, and the signed-in person's own data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from club.api_support import ApiError, Id, Limit, Offset, Schema, caller, requires
from club.errors import NOT_FOUND
from club.quantities import parse_grams
from club.ratelimit import hit
from club.roles import PUBLIC, SIGNED_IN, Role, acts_as, has_mfa, user_roles
from members import selectors
from members.models import Application, Member
from members.services import (
    application_apply,
    application_decide,
    forecast_record,
    identity_check_record,
    member_status_change,
)

router = Router(tags=["members"])
APPLICATIONS_PER_HOUR = 10  # per client address; a club gets a handful a week
STAFF = (Role.BOARD, Role.COUNTER, Role.TREASURER)


class ApplicationIn(Schema):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    date_of_birth: dt.date
    email: str = Field(max_length=254)
    address: str = Field(max_length=500)
    residence_country: str = Field(min_length=2, max_length=2)
    resident_since: dt.date
    forecast_grams: str | None = Field(None, description='Grams per month as a string, "2.5"')
    therapeutic_use: bool = False
    sponsor_number: int | None = None
    one_club_declared: bool = False
    statutes_accepted: bool = False
    privacy_accepted: bool = False
    password: str | None = Field(None, min_length=10, max_length=200)
    language: Literal["en", "de", "es", "fr"] = "en"


class ApplicationOut(Schema):
    id: int
    status: str
    first_name: str
    last_name: str
    created_at: dt.datetime
    sponsor_number: int | None
    therapeutic_use: bool
    forecast_grams: Decimal


def _application_out(app: Application) -> dict[str, Any]:
    return {
        "id": app.pk,
        "status": app.status,
        "first_name": app.first_name,
        "last_name": app.last_name,
        "created_at": app.created_at,
        "sponsor_number": app.sponsor.number if app.sponsor else None,
        "therapeutic_use": app.therapeutic_use,
        "forecast_grams": app.forecast_grams,
    }


class IdentityCheckIn(Schema):
    document_type: Literal["id_card", "passport", "residence_permit"]
    document_last_digits: str = Field(min_length=2, max_length=4)
    age_confirmed: bool
    residence_confirmed: bool


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    reason: str = Field(min_length=1, max_length=2000)


class DecisionOut(Schema):
    status: str
    membership_number: int | None


class MemberOut(Schema):
    number: int
    first_name: str
    last_name: str
    status: str
    year_of_birth: int
    admitted_on: dt.date
    first_dispensing_on: dt.date
    min_membership_until: dt.date
    ends_on: dt.date | None
    forecast_grams: Decimal | None


def _member_out(m: Member) -> dict[str, Any]:
    return {
        "number": m.number,
        "first_name": m.first_name,
        "last_name": m.last_name,
        "status": m.status,
        "year_of_birth": m.date_of_birth.year,
        "admitted_on": m.admitted_on,
        "first_dispensing_on": m.first_dispensing_on,
        "min_membership_until": m.min_membership_until,
        "ends_on": m.ends_on,
        "forecast_grams": getattr(m, "current_forecast", None),
    }


class StatusIn(Schema):
    action: Literal["suspend", "reinstate", "end", "resign", "expel", "residence_left"]
    reason: str = Field(min_length=1, max_length=2000)
    effective_on: dt.date | None = None


class ForecastIn(Schema):
    grams_per_month: str = Field(description='Grams as a string, "20" or "20.5"')


class ForecastOut(Schema):
    number: int
    grams_per_month: Decimal
    valid_from: dt.date


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    roles: list[str]
    mfa_enabled: bool
    member: MemberOut | None
    applications: list[ApplicationOut]


class ApplicationReceivedOut(Schema):
    status: Literal["received"]
    message: str


@router.post(
    "/applications",
    response={202: ApplicationReceivedOut},
    auth=None,
    summary="Apply for membership; the applicant follows the application after confirming the "
    "e-mail address (the answer is the same whether or not the address has a sign-in already)",
)
def application_create(request: HttpRequest, payload: ApplicationIn) -> Status:
    hit(request, "application", limit=APPLICATIONS_PER_HOUR, per_seconds=3600)
    data = payload.dict()
    raw = data.pop("forecast_grams")
    grams = parse_grams(raw) if raw not in (None, "") else None
    application_apply(**data, forecast_grams=grams)
    return Status(
        202,
        {
            "status": "received",
            "message": _(
                "We sent an e-mail to this address. Follow the link in it to go on with "
                "the application."
            ),
        },
    )


@router.get(
    "/applications",
    response=list[ApplicationOut],
    auth=requires(Role.BOARD),
    summary="Applications by status",
)
def application_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [_application_out(a) for a in selectors.application_queue(status=status)[:500]]


@router.post(
    "/applications/{id}/identity-check",
    response={201: dict},
    auth=requires(Role.COUNTER, Role.BOARD),
    summary="Record the identity check",
)
def application_identity_check(request: HttpRequest, id: Id, payload: IdentityCheckIn) -> Status:
    check = identity_check_record(
        actor=caller(request),
        application_id=id,
        **payload.dict(),
    )
    return Status(201, {"id": check.pk, "checked_at": check.checked_at.isoformat()})


@router.post(
    "/applications/{id}/decision",
    response=DecisionOut,
    auth=requires(Role.BOARD),
    summary="Approve or reject",
)
def application_decision(request: HttpRequest, id: Id, payload: DecisionIn) -> dict[str, Any]:
    member = application_decide(
        actor=caller(request),
        application_id=id,
        approve=payload.decision == "approve",
        reason=payload.reason,
    )
    return {
        "status": "approved" if member else "rejected",
        "membership_number": member.number if member else None,
    }


@router.get(
    "/members",
    response=list[MemberOut],
    auth=requires(*STAFF),
    summary="Find members by number or name",
)
def member_list(
    request: HttpRequest, search: str = "", status: str = "", limit: Limit = 50, offset: Offset = 0
) -> list[dict[str, Any]]:
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    qs = selectors.member_search(query=search[:100], status=status)[offset : offset + limit]
    return [_member_out(m) for m in qs]


@router.get("/members/{number}", response=MemberOut, auth=requires(*STAFF), summary="One member")
def member_detail(request: HttpRequest, number: Id) -> dict[str, Any]:
    member = selectors.member_by_number(number)
    if member is None:
        raise Http404
    return _member_out(member)


@router.post(
    "/members/{number}/status",
    response={201: dict},
    auth=requires(Role.BOARD),
    summary="Suspend, reinstate, end, expel",
)
def member_status(request: HttpRequest, number: Id, payload: StatusIn) -> Status:
    decision = member_status_change(
        actor=caller(request),
        number=number,
        **payload.dict(),
    )
    member = decision.member
    return Status(
        201,
        {
            "number": member.number,
            "status": member.status,
            "kind": decision.kind,
            "effective_on": decision.effective_on.isoformat(),
        },
    )


@router.post(
    "/members/{number}/forecasts",
    response={201: ForecastOut},
    auth=requires(Role.BOARD, Role.MEMBER),
    summary="A new monthly forecast",
)
def member_forecast(request: HttpRequest, number: Id, payload: ForecastIn) -> Status:
    user = caller(request)
    if not acts_as(user, Role.BOARD):
        own = selectors.member_of_user(user)
        if own is None or own.number != number:
            raise ApiError(NOT_FOUND, "Not found.", status=404)
    forecast = forecast_record(actor=user, number=number, grams_per_month=payload.grams_per_month)
    return Status(
        201,
        {
            "number": number,
            "grams_per_month": forecast.grams_per_month,
            "valid_from": forecast.valid_from,
        },
    )


@router.get("/me", response=MeOut, auth=requires(SIGNED_IN), summary="The signed-in person")
def me(request: HttpRequest) -> dict[str, Any]:
    user = caller(request)
    member = selectors.member_of_user(user)
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "roles": sorted(user_roles(user)),
        "mfa_enabled": has_mfa(user),
        "member": _member_out(member) if member else None,
        "applications": [_application_out(a) for a in selectors.applications_of_user(user)],
    }


__all__ = ["PUBLIC", "router"]
