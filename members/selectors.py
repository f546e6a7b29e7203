"""Reads of the members app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower

from club.validation import as_number
from members.models import (
    Application,
    ApplicationStatus,
    Forecast,
    IdentityCheck,
    Member,
    MemberStatus,
)
from members.rules import add_months


def _latest_forecast() -> Subquery:
    return Subquery(
        Forecast.objects.filter(member=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("grams_per_month")[:1]
    )


def member_search(*, query: str = "", status: str = "") -> QuerySet[Member]:
    """Members by number or name, with their current forecast, in one query."""
    qs = Member.objects.select_related("user").annotate(current_forecast=_latest_forecast())
    query = (query or "").strip()
    if query:
        number = as_number(query)
        if number is not None:
            qs = qs.filter(number=number)
        elif query.isdigit():  # digits, but no number a member can have
            qs = qs.none()
        else:
            for word in query.split()[:4]:
                qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
            if status in MemberStatus.values:
                qs = qs.filter(status=status)
            # Matches by name, alphabetically: an order no index holds, so PostgreSQL finds the
            # few matches in the trigram indexes and sorts them, instead of walking every member
            # in number order to filter them (which grows with the club).
            return qs.order_by(Lower("last_name"), Lower("first_name"), "number")
    if status in MemberStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("number")


def member_by_number(number: int) -> Member | None:
    return (
        Member.objects.select_related("user", "application")
        .annotate(current_forecast=_latest_forecast())
        .filter(number=number)
        .first()
    )


def member_of_user(user: Any) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Member.objects.select_related("user")
        .annotate(current_forecast=_latest_forecast())
        .filter(user_id=user.pk)
        .first()
    )


def applications_of_user(user: Any) -> QuerySet[Application]:
    return Application.objects.filter(user_id=user.pk).order_by("-created_at")


def application_queue(*, status: str = "") -> QuerySet[Application]:
    qs = Application.objects.select_related("sponsor")
    if status in ApplicationStatus.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.AWAITING_SPONSOR])
    order = ("queued_at", "pk") if status == ApplicationStatus.WAITLISTED else ("created_at", "pk")
    return qs.order_by(*order)


def application_detail(application_id: int) -> Application | None:
    return (
        Application.objects.select_related("sponsor", "user")
        .prefetch_related("decisions", "identity_checks")
        .filter(pk=application_id)
        .first()
    )


def latest_identity_check(application: Application) -> IdentityCheck | None:
    return application.identity_checks.order_by("-checked_at", "-pk").first()


def endorsements_for(user: Any) -> QuerySet[Application]:
    member = getattr(user, "member", None) if getattr(user, "is_authenticated", False) else None
    if member is None:
        return Application.objects.none()
    return Application.objects.filter(
        sponsor=member, status=ApplicationStatus.AWAITING_SPONSOR
    ).order_by("created_at")


def forecast_history(member: Member) -> QuerySet[Forecast]:
    return member.forecasts.order_by("-created_at", "-pk")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def demand_by_month(*, first: dt.date, months: int = 12) -> list[dict[str, Any]]:
    """Declared demand per month: the sum of the forecasts in force for members who hold a place
    in that month (admitted before it ends, not ended before it starts)."""
    first = month_start(first)
    last_end = add_months(first, months)
    members = list(
        Member.objects.filter(admitted_on__lt=last_end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .exclude(status=MemberStatus.EXPELLED, ends_on__lt=first)
        .values("pk", "admitted_on", "ends_on", "status")
    )
    by_member: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for f in (
        Forecast.objects.filter(member_id__in=[m["pk"] for m in members])
        .order_by("member_id", "created_at", "pk")
        .values("member_id", "valid_from", "grams_per_month")
    ):
        by_member.setdefault(f["member_id"], []).append((f["valid_from"], f["grams_per_month"]))
    out = []
    for i in range(months):
        start = add_months(first, i)
        end = add_months(first, i + 1)
        total, count = Decimal("0"), 0
        for m in members:
            if m["admitted_on"] >= end or (m["ends_on"] and m["ends_on"] < start):
                continue
            history = by_member.get(m["pk"], [])
            in_force = [g for valid, g in history if valid < end]
            grams = in_force[-1] if in_force else (history[0][1] if history else Decimal("0"))
            total += grams
            count += 1
        out.append({"month": start, "grams": total, "members": count})
    return out


# --- Data export (GDPR Art. 15/20) ------------------------------------------------------------

Exporter = Callable[[Any], tuple[str, Any]]
_EXPORTERS: list[Exporter] = []


def register_exporter(fn: Exporter) -> Exporter:
    """Higher apps add their records about a person (dispensings, ballots, …)."""
    if fn not in _EXPORTERS:
        _EXPORTERS.append(fn)
    return fn


def _rows(qs: QuerySet, fields: list[str]) -> list[dict[str, Any]]:
    return [{f: row[f] for f in fields} for row in qs.values(*fields)]


def personal_data_export(user: Any) -> dict[str, Any]:
    """Everything csc holds about ``user``, as plain data."""
    from allauth.account.models import EmailAddress

    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "email_addresses": _rows(
            EmailAddress.objects.filter(user=user), ["email", "verified", "primary"]
        ),
    }
    apps = Application.objects.filter(user=user)
    data["applications"] = _rows(
        apps,
        [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "address",
            "residence_country",
            "resident_since",
            "therapeutic_use",
            "forecast_grams",
            "status",
            "one_club_declared_at",
            "one_club_text_version",
            "statutes_accepted_at",
            "statutes_version",
            "privacy_accepted_at",
            "privacy_version",
            "created_at",
        ],
    )
    data["identity_checks"] = _rows(
        IdentityCheck.objects.filter(application__in=apps),
        [
            "application_id",
            "document_type",
            "document_last_digits",
            "age_confirmed",
            "residence_confirmed",
            "checked_at",
        ],
    )
    member = Member.objects.filter(user=user).first()
    if member is not None:
        data["membership"] = _rows(
            Member.objects.filter(pk=member.pk),
            [
                "number",
                "first_name",
                "last_name",
                "date_of_birth",
                "address",
                "residence_country",
                "therapeutic_use",
                "status",
                "admitted_on",
                "first_dispensing_on",
                "min_membership_until",
                "ends_on",
                "card_version",
            ],
        )[0]
        data["membership_decisions"] = _rows(
            member.decisions.all(),
            ["kind", "from_status", "to_status", "effective_on", "reason", "decided_at"],
        )
        data["forecasts"] = _rows(
            member.forecasts.all(), ["grams_per_month", "valid_from", "created_at"]
        )
        data["cards"] = _rows(member.cards.all(), ["version", "issued_at"])
    for exporter in _EXPORTERS:
        key, value = exporter(user)
        data[key] = value
    return data
