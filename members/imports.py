"""Reading a member register from CSV or XLSX, row by row, for the import's dry run and commit.

Columns (header row, any order; names in English): first_name, last_name, date_of_birth, email,
address, residence_country, resident_since, admitted_on, forecast_grams, and optionally
legacy_number and therapeutic_use. Dates as YYYY-MM-DD or DD.MM.YYYY; grams with a point or a
comma.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from club.rulebook import Rulebook
from club.validation import name_problem
from members.rules import admission_problems

REQUIRED = (
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "address",
    "residence_country",
    "resident_since",
    "admitted_on",
    "forecast_grams",
)
OPTIONAL = ("legacy_number", "therapeutic_use")
MAX_ROWS = 20000


class RegisterError(Exception):
    """The file as a whole cannot be read (format, header, size)."""


@dataclass
class Row:
    line: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        name = f"{self.raw.get('first_name', '')} {self.raw.get('last_name', '')}".strip()
        return {
            "line": self.line,
            "ok": not self.errors,
            "name": name,
            "email": self.raw.get("email", ""),
            "errors": self.errors,
        }


def read_rows(filename: str, content: bytes) -> list[Row]:
    table = _xlsx(content) if filename.lower().endswith(".xlsx") else _csv(content)
    if not table:
        raise RegisterError(_("The file is empty."))
    header = [str(h or "").strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RegisterError(_("Columns missing: %(cols)s") % {"cols": ", ".join(missing)})
    if len(table) - 1 > MAX_ROWS:
        raise RegisterError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    rows = []
    for i, cells in enumerate(table[1:], start=2):
        if not any(str(c or "").strip() for c in cells):
            continue
        raw = {
            h: _text(cells[j]) if j < len(cells) else ""
            for j, h in enumerate(header)
            if h in REQUIRED + OPTIONAL
        }
        rows.append(Row(line=i, raw=raw))
    return rows


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value).strip()


def _csv(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise RegisterError(_("This is not a readable XLSX file.")) from exc
    sheet = book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def check_row(
    row: Row, book: Rulebook, *, today: dt.date, seen_emails: set[str], taken_emails: set[str]
) -> None:
    """Type the row's values and collect every problem (nothing is written here)."""
    raw = row.raw
    v: dict[str, Any] = {}
    for name in ("first_name", "last_name", "address"):
        v[name] = raw.get(name, "")
        if not v[name]:
            row.errors.append(_("%(col)s is empty.") % {"col": name})
        elif name != "address" and name_problem(v[name]):
            row.errors.append(f"{name}: {name_problem(v[name])}")
    email = raw.get("email", "").lower()
    try:
        validate_email(email)
    except Exception:
        row.errors.append(_("email is not a valid address."))
    if email in seen_emails:
        row.errors.append(_("email appears twice in the file."))
    elif email in taken_emails:
        row.errors.append(_("email already belongs to a user."))
    seen_emails.add(email)
    v["email"] = email
    for name in ("date_of_birth", "resident_since", "admitted_on"):
        v[name] = _date(raw.get(name, ""))
        if v[name] is None:
            row.errors.append(_("%(col)s is not a date.") % {"col": name})
    if v["admitted_on"] and v["admitted_on"] > today:
        row.errors.append(_("admitted_on is in the future."))
    v["residence_country"] = raw.get("residence_country", "").upper()
    try:
        grams = Decimal(raw.get("forecast_grams", "").replace(",", "."))
        v["forecast_grams"] = grams
    except InvalidOperation:
        v["forecast_grams"] = None
        row.errors.append(_("forecast_grams is not a number."))
    v["therapeutic_use"] = raw.get("therapeutic_use", "").lower() in {
        "1",
        "yes",
        "true",
        "ja",
        "sí",
        "si",
        "oui",
        "x",
    }
    v["legacy_number"] = raw.get("legacy_number", "")[:40]
    if not row.errors:
        problems = admission_problems(
            book,
            {
                **v,
                "one_club_declared": True,
                "statutes_accepted": True,
                "privacy_accepted": True,
            },
            today=today,
        )
        for field_name, items in problems.items():
            for p in items:
                row.errors.append(f"{field_name}: {p.message}")
    row.values = v


def _key(job_id: int) -> str:
    return f"members:import:{job_id}:progress"


def progress_set(job_id: int, done: int, total: int) -> None:
    cache.set(_key(job_id), {"done": done, "total": total}, timeout=3600)


def progress(job: Any) -> dict[str, int]:
    value = cache.get(_key(job.pk)) or {"done": job.done, "total": job.total}
    total = value["total"] or 0
    value["percent"] = int(value["done"] * 100 / total) if total else 0
    return value
