"""Turning bad input into a refusal the same way in every service: a 400 with ``INVALID_INPUT``
and the problems by field, before anything is written."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from club import errors
from club.errors import ServiceError


def refusal_from(exc: ValidationError) -> ServiceError:
    fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return ServiceError(
        errors.INVALID_INPUT, errors.MESSAGES[errors.INVALID_INPUT], status=400, fields=fields
    )


def full_clean_or_refuse(obj: Any, **kwargs: Any) -> None:
    """``obj.full_clean()``, raising the refusal instead of a ValidationError."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise refusal_from(exc) from exc


def required_text(value: Any, field: str, *, limit: int = 2000, required: bool = True) -> str:
    """Trimmed text, refused when empty (if required) or longer than ``limit``."""
    text = str(value or "").strip()
    if (required and not text) or len(text) > limit:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("This field is required."),
            status=400,
            fields={field: [_("This field is required.")]},
        )
    return text


# Dates the app accepts anywhere: a date near year 9999 overflows when shown in a timezone ahead
# of UTC, and no club record lies outside these years.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def bounded_date(value: Any, field: str) -> Any:
    """A date or datetime between FIRST_YEAR and LAST_YEAR, else a 400 refusal naming the field."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        message = _("Enter a date between the years %(first)s and %(last)s.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
        raise ServiceError(errors.INVALID_INPUT, message, status=400, fields={field: [message]})
    return value


def as_number(text: Any) -> int | None:
    """A membership or record number typed or scanned: ASCII digits that fit the database, else
    None. ``str.isdigit`` also takes "²" and Arabic-Indic digits, which ``int()`` then refuses."""
    value = str(text or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


# Bidirectional controls (embeddings, overrides, isolates, marks): in a name they make text show
# in another order than it is stored ("‮nimdA" shows as "Admin"), on the counter's panel, on a
# card, in a list of voters. No one's name needs them.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def name_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a person's name, or None."""
    if isinstance(value, str) and BIDI_CONTROLS.search(value):
        return str(_("A name cannot hold characters that change the direction of text."))
    return None


def validate_name(value: Any) -> None:
    """Model and form validator for people's names."""
    problem = name_problem(value)
    if problem:
        raise ValidationError(problem, code="bidi")
