"""A member's quota: the rulebook's limits for their age on a given club-local day, what they
used that day, month and year (sums of dispensings not reversed), and what blocks them.

The counter panel, the member's quota page, the API and the dispensing service all read it here,
so a clerk sees before weighing exactly what the service will refuse.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from club.quantities import exact
from club.rulebook import Rulebook
from dispensing.models import Dispensing
from members.models import Member, MemberStatus

MEMBER_NOT_ACTIVE = "MEMBER_NOT_ACTIVE"
MEMBER_SUSPENDED = "MEMBER_SUSPENDED"
WAITING_PERIOD = "WAITING_PERIOD"
UNDER_MIN_AGE = "UNDER_MIN_AGE"
ID_NOT_CHECKED = "ID_NOT_CHECKED"
LOT_NOT_RELEASED = "LOT_NOT_RELEASED"
LOT_RECALLED = "LOT_RECALLED"
LOT_EXPIRED = "LOT_EXPIRED"
STOCK_SHORT = "STOCK_SHORT"
QUOTA_DAY_EXCEEDED = "QUOTA_DAY_EXCEEDED"
QUOTA_MONTH_EXCEEDED = "QUOTA_MONTH_EXCEEDED"
QUOTA_YEAR_EXCEEDED = "QUOTA_YEAR_EXCEEDED"
THC_LIMIT_YOUNG_ADULT = "THC_LIMIT_YOUNG_ADULT"
FORECAST_EXCEEDED = "FORECAST_EXCEEDED"

ZERO = Decimal("0.00")


def club_now(tz_name: str, at: dt.datetime | None = None) -> dt.datetime:
    return timezone.localtime(at or timezone.now(), zoneinfo.ZoneInfo(tz_name))


@dataclass
class Quota:
    member: Member
    on: dt.date
    age: int
    young_adult: bool
    day_limit: Decimal | None
    month_limit: Decimal | None
    year_limit: Decimal | None
    forecast_limit: Decimal | None
    young_adult_month_limit: Decimal | None
    thc_cap: Decimal | None
    used_day: Decimal = ZERO
    used_month: Decimal = ZERO
    used_year: Decimal = ZERO
    blocking: list[tuple[str, str]] = field(default_factory=list)

    @property
    def effective_month_limit(self) -> Decimal | None:
        limits = [
            x
            for x in (
                self.month_limit,
                self.forecast_limit,
                self.young_adult_month_limit if self.young_adult else None,
            )
            if x is not None
        ]
        return min(limits) if limits else None

    def remaining(self, limit: Decimal | None, used: Decimal) -> Decimal | None:
        return None if limit is None else max(limit - used, ZERO)

    @property
    def remaining_day(self) -> Decimal | None:
        return self.remaining(self.day_limit, self.used_day)

    @property
    def remaining_month(self) -> Decimal | None:
        return self.remaining(self.effective_month_limit, self.used_month)

    @property
    def remaining_year(self) -> Decimal | None:
        return self.remaining(self.year_limit, self.used_year)

    @property
    def most_now(self) -> Decimal | None:
        """The most the member may receive right now (None: no gram limit applies)."""
        values = [
            v
            for v in (self.remaining_day, self.remaining_month, self.remaining_year)
            if v is not None
        ]
        return min(values) if values else None

    @property
    def eligible(self) -> bool:
        return not self.blocking

    def as_dict(self) -> dict[str, Any]:
        def s(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "on": self.on.isoformat(),
            "age": self.age,
            "young_adult": self.young_adult,
            "limits": {
                "day": s(self.day_limit),
                "month": s(self.effective_month_limit),
                "year": s(self.year_limit),
                "forecast": s(self.forecast_limit),
                "thc_percent": s(self.thc_cap),
            },
            "used": {
                "day": s(self.used_day),
                "month": s(self.used_month),
                "year": s(self.used_year),
            },
            "remaining": {
                "day": s(self.remaining_day),
                "month": s(self.remaining_month),
                "year": s(self.remaining_year),
            },
            "eligible": self.eligible,
            "blocking": [{"code": c, "message": m} for c, m in self.blocking],
        }


def quota_for(member: Member, book: Rulebook, on: dt.date) -> Quota:
    """The member's quota on club-local day ``on``: one query for the sums (and one for the
    forecast where the club caps at it)."""
    from members.rules import age_on

    age = age_on(member.date_of_birth, on)
    young = book.is_young_adult(age)
    forecast = None
    if book.forecast_caps_dispensing:
        latest = (
            member.forecasts.order_by("-created_at", "-pk")
            .values_list("grams_per_month", flat=True)
            .first()
        )
        forecast = exact(latest) if latest is not None else ZERO
    quota = Quota(
        member=member,
        on=on,
        age=age,
        young_adult=young,
        day_limit=book.day_grams,
        month_limit=book.month_grams,
        year_limit=book.year_grams,
        forecast_limit=forecast,
        young_adult_month_limit=book.young_adult_month_grams if young else None,
        thc_cap=book.young_adult_max_thc_percent if young else None,
    )
    month_start, year_start = on.replace(day=1), on.replace(month=1, day=1)
    sums = Dispensing.objects.filter(
        member=member, reversal__isnull=True, local_date__gte=year_start, local_date__lte=on
    ).aggregate(
        day=Sum("grams", filter=Q(local_date=on)),
        month=Sum("grams", filter=Q(local_date__gte=month_start)),
        year=Sum("grams"),
    )
    quota.used_day, quota.used_month, quota.used_year = (
        exact(sums["day"]),
        exact(sums["month"]),
        exact(sums["year"]),
    )
    if member.status == MemberStatus.SUSPENDED:
        quota.blocking.append((MEMBER_SUSPENDED, _("This membership is suspended.")))
    elif member.status != MemberStatus.ACTIVE:
        quota.blocking.append((MEMBER_NOT_ACTIVE, _("This membership has ended.")))
    if on < member.first_dispensing_on:
        quota.blocking.append(
            (
                WAITING_PERIOD,
                _("Waiting period until %(day)s.")
                % {"day": member.first_dispensing_on.isoformat()},
            )
        )
    if age < book.min_age:
        quota.blocking.append((UNDER_MIN_AGE, _("Under the minimum age.")))
    return quota


def refusals_for(
    quota: Quota, *, grams: Decimal, lot_thc: Decimal | None = None
) -> list[tuple[str, str]]:
    """Every rule that refuses ``grams`` for this member now (lot state and stock apart)."""
    out = list(quota.blocking)
    if lot_thc is not None and quota.thc_cap is not None and lot_thc > quota.thc_cap:
        out.append(
            (
                THC_LIMIT_YOUNG_ADULT,
                _("Young adults may receive at most %(cap)s %% THC; this lot has %(thc)s %%.")
                % {"cap": quota.thc_cap, "thc": lot_thc},
            )
        )
    if quota.day_limit is not None and quota.used_day + grams > quota.day_limit:
        out.append(
            (
                QUOTA_DAY_EXCEEDED,
                _("Daily limit of %(limit)s g: %(left)s g left today.")
                % {"limit": quota.day_limit, "left": quota.remaining_day},
            )
        )
    month_caps = [(quota.month_limit, _("Monthly limit of %(limit)s g: %(left)s g left."))]
    if quota.young_adult and quota.young_adult_month_limit is not None:
        month_caps.append(
            (
                quota.young_adult_month_limit,
                _("Young adults' monthly limit of %(limit)s g: %(left)s g left."),
            )
        )
    for limit, message in month_caps:
        if limit is not None and quota.used_month + grams > limit:
            out.append(
                (
                    QUOTA_MONTH_EXCEEDED,
                    message % {"limit": limit, "left": max(limit - quota.used_month, ZERO)},
                )
            )
            break
    if quota.forecast_limit is not None and quota.used_month + grams > quota.forecast_limit:
        out.append(
            (
                FORECAST_EXCEEDED,
                _("Above the member's own forecast of %(limit)s g a month.")
                % {"limit": quota.forecast_limit},
            )
        )
    if quota.year_limit is not None and quota.used_year + grams > quota.year_limit:
        out.append(
            (
                QUOTA_YEAR_EXCEEDED,
                _("Yearly limit of %(limit)s g: %(left)s g left.")
                % {"limit": quota.year_limit, "left": quota.remaining_year},
            )
        )
    return out
