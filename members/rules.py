"""Admission rules: what an applicant (or an imported member) must satisfy under the rulebook.

Each refusal has a stable code and a translated message. ``admission_problems`` returns them by
field so a form, the API and the register import show the same answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from club.quantities import decimal_places
from club.rulebook import Rulebook

UNDER_MIN_AGE = "UNDER_MIN_AGE"
RESIDENCE_COUNTRY = "RESIDENCE_COUNTRY"
RESIDENCE_TOO_SHORT = "RESIDENCE_TOO_SHORT"
DECLARATION_MISSING = "DECLARATION_MISSING"
EMAIL_TAKEN = "EMAIL_TAKEN"
SPONSOR_REQUIRED = "SPONSOR_REQUIRED"
SPONSOR_UNKNOWN = "SPONSOR_UNKNOWN"
SPONSOR_TOO_NEW = "SPONSOR_TOO_NEW"
FORECAST_REQUIRED = "FORECAST_REQUIRED"
FORECAST_ABOVE_LIMIT = "FORECAST_ABOVE_LIMIT"
FORECAST_INVALID = "FORECAST_INVALID"
DATE_INVALID = "DATE_INVALID"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def monthly_cap(book: Rulebook, age: int) -> Decimal | None:
    """The most a member of ``age`` may receive in a month under the rulebook (None: no cap)."""
    caps = [c for c in (book.month_grams,) if c is not None]
    if book.is_young_adult(age) and book.young_adult_month_grams is not None:
        caps.append(book.young_adult_month_grams)
    if book.year_grams is not None:
        caps.append((book.year_grams / 12).quantize(Decimal("0.01")))
    return min(caps) if caps else None


@dataclass
class Problem:
    code: str
    message: str


def admission_problems(
    book: Rulebook, data: dict[str, Any], *, today: dt.date
) -> dict[str, list[Problem]]:
    """Check applicant data (already typed) against the rulebook. Sponsors are checked apart."""
    out: dict[str, list[Problem]] = {}

    def add(field: str, code: str, message: str) -> None:
        out.setdefault(field, []).append(Problem(code, message))

    born = data.get("date_of_birth")
    if not isinstance(born, dt.date) or born > today:
        add("date_of_birth", DATE_INVALID, _("Enter a valid date of birth."))
        age = None
    else:
        age = age_on(born, today)
        if age < book.min_age:
            add(
                "date_of_birth",
                UNDER_MIN_AGE,
                _("Members must be at least %(age)s years old.") % {"age": book.min_age},
            )
    country = (data.get("residence_country") or "").upper()
    if book.residence_country and country != book.residence_country:
        add(
            "residence_country",
            RESIDENCE_COUNTRY,
            _("Members must live in %(country)s.") % {"country": book.residence_country},
        )
    since = data.get("resident_since")
    if not isinstance(since, dt.date) or since > today:
        add("resident_since", DATE_INVALID, _("Enter a valid date."))
    elif book.min_residence_months and since > add_months(today, -book.min_residence_months):
        add(
            "resident_since",
            RESIDENCE_TOO_SHORT,
            _("Members must have lived here for at least %(months)s months.")
            % {"months": book.min_residence_months},
        )
    if book.one_club_declaration_required and not data.get("one_club_declared"):
        add(
            "one_club_declared",
            DECLARATION_MISSING,
            _("Declare that you are not a member of another club."),
        )
    for field in ("statutes_accepted", "privacy_accepted"):
        if not data.get(field):
            add(field, DECLARATION_MISSING, _("This declaration is required."))
    grams = data.get("forecast_grams")
    if grams is None:
        if book.forecast_required:
            add("forecast_grams", FORECAST_REQUIRED, _("State your expected monthly use."))
    elif (
        not isinstance(grams, Decimal)
        or not grams.is_finite()
        or grams < 0
        or decimal_places(grams) > 2
    ):
        add(
            "forecast_grams",
            FORECAST_INVALID,
            _("Enter grams as a number with at most two decimals."),
        )
    elif age is not None:
        cap = monthly_cap(book, age)
        if cap is not None and grams > cap:
            add(
                "forecast_grams",
                FORECAST_ABOVE_LIMIT,
                _("The forecast is above the monthly limit of %(cap)s g.") % {"cap": cap},
            )
    return out


def sponsor_needed(book: Rulebook, *, therapeutic: bool) -> bool:
    return book.endorsement_required and not (
        therapeutic and book.therapeutic_use_exempt_from_endorsement
    )
