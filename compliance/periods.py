"""Which period a report covers, read from what people type: 2025, 2025-03, 2025-Q1, 2025-12-31."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from club.errors import ServiceError
from compliance.models import ReportKind

ANNUAL = frozenset(
    {ReportKind.ANNUAL_AUDIT, ReportKind.AUTHORITY_ANNUAL, ReportKind.DISPENSING_EXPORT}
)
INVALID_PERIOD = "INVALID_PERIOD"
REPORT_PERIOD_OPEN = "REPORT_PERIOD_OPEN"
FORMATS = {
    ReportKind.STOCK_MONTHLY: "YYYY-MM",
    ReportKind.QUARTERLY: "YYYY-Qn",
    ReportKind.MEMBER_REGISTER: "YYYY-MM-DD",
}


def period_format(kind: str) -> str:
    return "YYYY" if kind in ANNUAL else FORMATS[ReportKind(kind)]


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_parse(kind: str, text: str, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day the report covers. Refused: a malformed period
    (``INVALID_PERIOD``) or one that has not ended yet (``REPORT_PERIOD_OPEN``); the register
    extract is taken as of a day up to today, and the annual audit of the current year is a
    preliminary one up to today."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    bad = ServiceError(
        INVALID_PERIOD,
        _("Give the period as %(format)s.") % {"format": period_format(kind)},
        status=400,
    )
    try:
        if kind in ANNUAL:
            if not re.fullmatch(r"\d{4}", text):
                raise bad
            start = dt.date(int(text), 1, 1)
            end = dt.date(int(text), 12, 31)
        elif kind == ReportKind.STOCK_MONTHLY:
            if not re.fullmatch(r"\d{4}-\d{2}", text):
                raise bad
            start = dt.date(int(text[:4]), int(text[5:]), 1)
            end = _next_month(start) - dt.timedelta(days=1)
        elif kind == ReportKind.QUARTERLY:
            match = re.fullmatch(r"(\d{4})-Q([1-4])", text.upper())
            if not match:
                raise bad
            start = dt.date(int(match[1]), 3 * int(match[2]) - 2, 1)
            end = _next_month(_next_month(_next_month(start))) - dt.timedelta(days=1)
        elif kind == ReportKind.MEMBER_REGISTER:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise bad
            start = end = dt.date.fromisoformat(text)
        else:
            raise ServiceError(INVALID_PERIOD, _("Unknown kind of report."), status=400)
    except (ValueError, OverflowError) as exc:
        raise bad from exc
    if start.year < 2000:
        raise bad
    if kind == ReportKind.ANNUAL_AUDIT and start.year == today.year:
        # The board may look at the year so far before it ends: a preliminary audit up to today.
        return start, today
    if kind == ReportKind.MEMBER_REGISTER:
        if end > today:
            raise ServiceError(
                REPORT_PERIOD_OPEN, _("The register is extracted as of today or an earlier day.")
            )
    elif end >= today:
        raise ServiceError(
            REPORT_PERIOD_OPEN, _("This period has not ended yet; its report follows after it.")
        )
    return start, end


def period_label(kind: str, start: dt.date, end: dt.date) -> str:
    if kind in ANNUAL:
        return str(start.year)
    if kind == ReportKind.STOCK_MONTHLY:
        return f"{start:%Y-%m}"
    if kind == ReportKind.QUARTERLY:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return end.isoformat()
