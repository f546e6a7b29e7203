"""Reads of the dispensing app: the counter panel, histories and the dispensing log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth

from club.quantities import exact
from club.rulebook import Rulebook
from club.selectors import club_get, rulebook_get
from dispensing.models import Dispensing
from dispensing.quotas import Quota, club_now, quota_for, refusals_for
from harvests.selectors import lots_available
from members.models import Member


def club_today() -> dt.date:
    club = club_get()
    return club_now(club.timezone if club else "UTC").date()


@dataclass
class LotChoice:
    lot: Any
    stock: Decimal
    refusals: list[tuple[str, str]]


@dataclass
class Panel:
    member: Member
    quota: Quota
    lots: list[LotChoice]

    @property
    def proposed(self) -> str:
        """The lot the counter proposes: the first this member may receive (the lots come first
        expiring first out), or "" when the member may receive none."""
        return next((c.lot.code for c in self.lots if not c.refusals), "")

    @property
    def no_lot_reasons(self) -> list[tuple[str, str]]:
        """Why no lot can go to this member (each distinct refusal once), when none can."""
        if self.proposed:
            return []
        seen: dict[str, str] = {}
        for choice in self.lots:
            for code, message in choice.refusals:
                seen.setdefault(code, message)
        return list(seen.items())


def counter_panel(
    member: Member, *, book: Rulebook | None = None, on: dt.date | None = None
) -> Panel:
    """What the clerk sees before weighing: the member, the quota with every blocking reason,
    and the released lots, each with the reasons it may not go to this member. A fixed number
    of queries, whatever the history's length."""
    book = book or rulebook_get()
    on = on or club_today()
    quota = quota_for(member, book, on)
    choices = []
    for lot in lots_available():
        reasons = refusals_for(quota, grams=Decimal("0.01"), lot_thc=lot.thc_percent)
        choices.append(LotChoice(lot=lot, stock=lot.stock, refusals=reasons))
    return Panel(member=member, quota=quota, lots=choices)


def dispensings_of(member: Member) -> QuerySet[Dispensing]:
    return (
        Dispensing.objects.filter(member=member)
        .select_related("lot", "reversal")
        .order_by("-dispensed_at")
    )


def monthly_totals(member: Member, *, months: int = 12) -> list[dict[str, Any]]:
    """Grams per month (reversals excluded), with the forecast in force then, oldest first."""
    from members.rules import add_months

    first = add_months(club_today().replace(day=1), -(months - 1))
    rows = (
        Dispensing.objects.filter(member=member, reversal__isnull=True, local_date__gte=first)
        .annotate(month=TruncMonth("local_date"))
        .values("month")
        .annotate(grams=Sum("grams"))
        .order_by("month")
    )
    by_month = {r["month"]: exact(r["grams"]) for r in rows}
    forecasts = list(
        member.forecasts.order_by("created_at", "pk").values_list("valid_from", "grams_per_month")
    )
    out = []
    for i in range(months):
        month = add_months(first, i)
        end = add_months(month, 1)
        in_force = [g for valid, g in forecasts if valid < end]
        out.append(
            {
                "month": month,
                "grams": by_month.get(month, Decimal("0.00")),
                "forecast": in_force[-1] if in_force else None,
            }
        )
    return out


def dispensing_log(
    *, day: dt.date | None = None, member_number: int | None = None, lot_code: str = ""
) -> QuerySet[Dispensing]:
    qs = Dispensing.objects.select_related("member", "lot", "counter_user", "reversal")
    if day is not None:
        qs = qs.filter(local_date=day)
    if member_number is not None:
        qs = qs.filter(member__number=member_number)
    if lot_code:
        qs = qs.filter(lot__code=lot_code)
    return qs.order_by("-dispensed_at")
