"""Parsing grams, percentages and money typed by people: "2,5" and "2.5" alike.

Refuses negatives, junk, infinities and more decimals than the unit keeps, with a translated
message and a stable code; callers write nothing on refusal.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from club.errors import ServiceError

GRAMS_INVALID = "GRAMS_INVALID"
PERCENT_INVALID = "PERCENT_INVALID"


def decimal_places(value: Decimal) -> int:
    """How many decimal places ``value`` is written with."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# What a person types: ASCII digits with at most one "." or "," (and a sign where allowed).
# Python's Decimal would also take "1_0", "1e3", "Infinity", full-width and Arabic-Indic digits.
_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, Decimal | int):  # a value from code or a typed form field, not typed text
        value = Decimal(raw)
        return value if value.is_finite() else None
    text = str(raw).strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except (InvalidOperation, ValueError):  # pragma: no cover - the pattern admits only numbers
        return None


def _too_precise(field: str, example: str, code: str = GRAMS_INVALID) -> ServiceError:
    message = _("Enter at most two decimals, e.g. %(example)s.") % {"example": example}
    return ServiceError(code, message, status=400, fields={field: [message]})


def parse_grams(
    raw: Any,
    *,
    allow_zero: bool = True,
    maximum: Decimal = Decimal("1000000"),
    field: str = "grams",
) -> Decimal:
    """Grams with at most two decimals, not negative, at most ``maximum``."""
    value = _decimal(raw)
    if value is not None and 0 <= value <= maximum and decimal_places(value) > 2:
        raise _too_precise(field, "2.55")
    if (
        value is None
        or value < 0
        or (value == 0 and not allow_zero)
        or value > maximum
        or decimal_places(value) > 2
    ):
        raise ServiceError(
            GRAMS_INVALID,
            _("Enter grams as a number, e.g. 2.5."),
            status=400,
            fields={field: [_("Enter grams as a number, e.g. 2.5.")]},
        )
    return value


AMOUNT_INVALID = "AMOUNT_INVALID"


def parse_money(
    raw: Any, *, field: str = "amount", maximum: Decimal = Decimal("10000000")
) -> Decimal:
    """An amount of money typed by a person, by the rules of grams: ASCII digits, one "." or ",",
    at most two decimals (cents), not negative, at most ``maximum``."""
    value = _decimal(raw)
    if value is not None and 0 <= value <= maximum and decimal_places(value) > 2:
        raise _too_precise(field, "12.50", AMOUNT_INVALID)
    if value is None or value < 0 or value > maximum or decimal_places(value) > 2:
        message = _("Enter an amount, e.g. 12.50.")
        raise ServiceError(AMOUNT_INVALID, message, status=400, fields={field: [message]})
    return value


def parse_signed_grams(raw: Any, *, field: str = "grams") -> Decimal:
    """Grams that may be negative (a correction), never zero."""
    value = _decimal(raw)
    if value is not None and value != 0 and decimal_places(value) > 2:
        raise _too_precise(field, "-2.55")
    if value is None or value == 0 or abs(value) > 1000000 or decimal_places(value) > 2:
        raise ServiceError(
            GRAMS_INVALID,
            _("Enter grams as a number, e.g. -2.5."),
            status=400,
            fields={field: [_("Enter grams as a number, e.g. -2.5.")]},
        )
    return value


def parse_percent(raw: Any, *, field: str = "percent") -> Decimal:
    value = _decimal(raw)
    if value is None or value < 0 or value > 100 or decimal_places(value) > 2:
        raise ServiceError(
            PERCENT_INVALID,
            _("Enter a percentage from 0 to 100."),
            status=400,
            fields={field: [_("Enter a percentage from 0 to 100.")]},
        )
    return value


CENT = Decimal("0.01")


def exact(value: Any) -> Decimal:
    """An aggregate of grams or money, exact to the hundredth.

    PostgreSQL sums NUMERIC exactly; SQLite sums in floating point, so a SUM read back there may
    be off by 1e-18. Every sum of grams or money goes through here before it is compared or
    shown.
    """
    if value is None:
        return Decimal("0.00")
    return Decimal(value).quantize(CENT) + Decimal("0.00")  # no "-0.00"
