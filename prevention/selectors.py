"""Anonymised trends for the prevention officer (KCanG §23; issue 14, point 2).

Every figure is about a group of members, and a group with fewer members than the club's
``trends_min_group`` (k, default 5) is never shown: its cell says only that the group is too small.
The tables have no totals across suppressed cells, so no figure can be worked back from the others.
Nothing here names or numbers a member.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max, OuterRef, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from club.quantities import exact
from club.rulebook import Rulebook
from club.selectors import club_get, rulebook_get
from dispensing.models import Dispensing
from members.models import Member, MemberStatus
from members.rules import add_months, age_on
from prevention.models import Appointment, Article, ConceptVersion, ConsentChange, Contact, Service

# Statistical age bands (not legal limits; the young adults' band comes from the rulebook).
AGE_BANDS = ((21, 29), (30, 44), (45, 200))
# "Near the limit": at least this share of the monthly limit used this month.
NEAR_SHARE = Decimal("0.8")
# Erased members keep this birth date (members.services.ERASED_BIRTH): they are left out.
ERASED_BIRTH = dt.date(1900, 1, 1)


@dataclass
class Cell:
    members: int
    grams: Decimal | None = None  # None: the group is smaller than k, nothing is shown

    @property
    def shown(self) -> bool:
        return self.grams is not None

    @property
    def per_member(self) -> Decimal | None:
        if self.grams is None or not self.members:
            return None
        return exact(self.grams / self.members)


@dataclass
class Trends:
    k: int
    months: list[dt.date]
    bands: list[str]
    strengths: list[str]
    cells: dict[tuple[dt.date, str, str], Cell] = field(default_factory=dict)
    near_limit: tuple[int, int] | None = None  # (members near or at the limit, active members)
    young_high_thc_share: Decimal | None = None
    young_members: int = 0
    near_percent: int = int(NEAR_SHARE * 100)

    @property
    def table(self) -> list[tuple[dt.date, str, list[Cell]]]:
        """Month by month, age group by age group, a cell per strength (newest month first)."""
        return [
            (month, band, [self.cells.get((month, band, s), Cell(0)) for s in self.strengths])
            for month in reversed(self.months)
            for band in self.bands
        ]


def _band(book: Rulebook, age: int) -> str:
    if book.is_young_adult(age):
        return _("young adults (up to %(age)s)") % {"age": book.young_adult_until_age}
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}+" if high >= 200 else f"{low}-{high}"
    return _("other")


def _strength(book: Rulebook, thc: Decimal) -> str:
    cap = book.young_adult_max_thc_percent
    if cap is None:
        return _("all strengths")
    if thc <= cap:
        return _("THC up to %(cap)s %%") % {"cap": cap}
    return _("THC above %(cap)s %%") % {"cap": cap}


def trends(*, today: dt.date, months: int = 12) -> Trends:
    """Grams by month, age band and strength for the last ``months`` months; the share of active
    members at or near their monthly limit this month; the share of young adults' grams above
    the young-adult THC cap. Two aggregate queries and one over active members."""
    club = club_get()
    book = rulebook_get(club=club)
    k = club.trends_min_group if club else 5
    first = add_months(today.replace(day=1), -(months - 1))
    month_list = [add_months(first, i) for i in range(months)]
    rows = (
        Dispensing.objects.filter(
            reversal__isnull=True, local_date__gte=first, local_date__lte=today
        )
        .exclude(member__date_of_birth=ERASED_BIRTH)
        .annotate(month=TruncMonth("local_date"))
        .values("month", "member_id", "member__date_of_birth", "thc_percent")
        .annotate(grams=Sum("grams"))
    )
    members: dict[tuple[dt.date, str, str], set[int]] = defaultdict(set)
    grams: dict[tuple[dt.date, str, str], Decimal] = defaultdict(Decimal)
    young: dict[str, Any] = {"members": set(), "all": Decimal(0), "high": Decimal(0)}
    cap = book.young_adult_max_thc_percent
    for row in rows.iterator(chunk_size=5000):
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        age = age_on(row["member__date_of_birth"], month)
        key = (month, _band(book, age), _strength(book, row["thc_percent"]))
        members[key].add(row["member_id"])
        grams[key] += row["grams"]
        if book.is_young_adult(age):
            young["members"].add(row["member_id"])
            young["all"] += row["grams"]
            if cap is not None and row["thc_percent"] > cap:
                young["high"] += row["grams"]
    bands = [_band(book, book.young_adult_until_age or 18)] if book.young_adult_until_age else []
    bands += [_band(book, low) for low, _high in AGE_BANDS]
    strengths = [_strength(book, Decimal(0))]
    if cap is not None:
        strengths.append(_strength(book, cap + Decimal("0.01")))
    result = Trends(k=k, months=month_list, bands=bands, strengths=strengths)
    for key, who in members.items():
        count = len(who)
        result.cells[key] = Cell(count, exact(grams[key]) if count >= k else None)
    result.young_members = len(young["members"])
    if result.young_members >= k and young["all"]:
        result.young_high_thc_share = exact(young["high"] * 100 / young["all"])
    result.near_limit = _near_limit(book, today, k)
    return result


def _near_limit(book: Rulebook, today: dt.date, k: int) -> tuple[int, int] | None:
    """Active members at or near their monthly limit this month, among the active members; None
    when either group is smaller than k."""
    active = list(Member.objects.filter(status=MemberStatus.ACTIVE).only("id", "date_of_birth"))
    if len(active) < k:
        return None
    used = dict(
        Dispensing.objects.filter(
            reversal__isnull=True,
            local_date__gte=today.replace(day=1),
            local_date__lte=today,
            member__status=MemberStatus.ACTIVE,
        )
        .values_list("member_id")
        .annotate(g=Sum("grams"))
    )
    near = 0
    for member in active:
        young = book.is_young_adult(age_on(member.date_of_birth, today))
        limit = book.young_adult_month_grams if young else book.month_grams
        if limit and used.get(member.pk, 0) >= limit * NEAR_SHARE:
            near += 1
    if 0 < near < k:
        return None
    return near, len(active)


# Certificate reminders go out when this many days (or fewer) are left before it lapses; the
# last step, 0, is the day it lapses. One reminder per step.
REMINDER_STEPS = (60, 14, 0)


# --- The officer's desk -------------------------------------------------------------------------

# A signal: "at or near the limit" in each of this many complete months in a row ...
SIGNAL_MONTHS = 3
# ... or a complete month at least this many times the average of the months before it.
RISE_FACTOR = Decimal(2)


def current_officers() -> list[Any]:
    """The users whose latest appointment record appoints them (most recent first)."""

    latest: dict[int, Any] = {}
    for a in Appointment.objects.select_related("user").order_by("effective_on", "pk"):
        latest[a.user_id] = a
    return [
        a.user
        for a in sorted(latest.values(), key=lambda a: a.effective_on, reverse=True)
        if a.kind == Appointment.Kind.APPOINTED
    ]


def consenting() -> Any:
    """The active members whose latest answer is consent to be contacted."""

    latest = ConsentChange.objects.filter(member=OuterRef("pk")).order_by("-at", "-pk")
    return Member.objects.filter(status=MemberStatus.ACTIVE).filter(
        pk__in=Member.objects.annotate(given=Subquery(latest.values("given")[:1]))
        .filter(given=True)
        .values("pk")
    )


def consent_of(member: Member) -> bool:
    return consenting().filter(pk=member.pk).exists()


@dataclass
class Signal:
    member: Member
    at_limit_months: int  # complete months in a row at or near the limit, newest first
    rise: Decimal | None  # last complete month over the average of the ones before
    months: list[tuple[dt.date, Decimal]]
    limit: Decimal | None
    last_contact: dt.date | None = None  # the date of the officer's last contact


def signals(*, today: dt.date) -> list[Signal]:
    """For consenting members only: three complete months in a row at or near the monthly limit,
    or a steep rise in the last complete month. Three queries, however many members."""

    book = rulebook_get(club=club_get())
    this_month = today.replace(day=1)
    months = [add_months(this_month, -i) for i in range(1, SIGNAL_MONTHS + 2)]  # newest first
    members = {
        m.pk: m
        for m in consenting().only("id", "number", "first_name", "last_name", "date_of_birth")
    }
    if not members:
        return []
    grams: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    rows = (
        Dispensing.objects.filter(
            member_id__in=list(members),
            reversal__isnull=True,
            local_date__gte=months[-1],
            local_date__lt=this_month,
        )
        .annotate(month=TruncMonth("local_date"))
        .values("member_id", "month")
        .annotate(g=Sum("grams"))
    )
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        grams[row["member_id"]][month] = row["g"]
    found: list[Signal] = []
    for pk, member in members.items():
        young = book.is_young_adult(age_on(member.date_of_birth, months[0]))
        limit = book.young_adult_month_grams if young else book.month_grams
        used = [(m, grams[pk].get(m, Decimal(0))) for m in months]
        streak = 0
        if limit:
            for _month, g in used:
                if g < limit * NEAR_SHARE:
                    break
                streak += 1
        before = [g for _m, g in used[1:]]
        average = sum(before, Decimal(0)) / len(before)
        last = used[0][1]
        rise = exact(last / average) if average and last >= average * RISE_FACTOR else None
        if streak >= SIGNAL_MONTHS or rise is not None:
            found.append(Signal(member, streak, rise, used, limit))
    contacted: dict[int, dt.date] = dict(
        Contact.objects.filter(member_id__in=[s.member.pk for s in found])
        .values_list("member_id")
        .annotate(on=Max("on"))
    )
    for signal in found:
        signal.last_contact = contacted.get(signal.member.pk)
    return sorted(found, key=lambda s: s.member.number)


def contacts_of_consenting(limit: int = 50) -> Any:
    """The latest contacts, only of members who consent now: a withdrawn consent hides them."""

    return (
        Contact.objects.filter(member__in=consenting())
        .select_related("member", "referral", "recorded_by")
        .order_by("-on", "-pk")[:limit]
    )


def certificate_status(user: Any, *, today: dt.date) -> dict[str, Any]:

    certificate = user.prevention_certificates.order_by("-expires_on", "-pk").first()
    if certificate is None:
        return {"user": user, "certificate": None, "state": "missing"}
    days = (certificate.expires_on - today).days
    state = "lapsed" if days <= 0 else ("soon" if days <= max(REMINDER_STEPS) else "valid")
    return {"user": user, "certificate": certificate, "days": days, "state": state}


def articles_for(language: str) -> list[Any]:
    """One published article per topic: in ``language`` where there is one, else in any other."""

    chosen: dict[str, Any] = {}
    for article in Article.objects.filter(published=True).order_by("topic", "language"):
        if article.topic not in chosen or article.language == language:
            chosen[article.topic] = article
    return list(chosen.values())


def services_listed() -> Any:

    return Service.objects.filter(active=True).order_by("name")


def concept_current() -> Any:

    return ConceptVersion.objects.order_by("-version").first()


def appointments() -> Any:
    return Appointment.objects.select_related("user", "recorded_by").order_by(
        "-effective_on", "-pk"
    )
