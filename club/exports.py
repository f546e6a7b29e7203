"""Spreadsheet exports that are safe to open: a cell that a spreadsheet would run as a formula
(starting with =, +, -, @, tab or carriage return, also after leading spaces, and also in
their full-width forms such as U+FF1D, which spreadsheets fold to the ASCII sign) is written
with a leading apostrophe."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # NFKC folds the full-width signs (U+FF1D, U+FF0B, U+FF0D, U+FF20) to ASCII; spaces before
    # a sign do not disarm it.
    first = unicodedata.normalize("NFKC", text.lstrip(" \u3000\u00a0"))[:1]
    return "'" + text if first in FORMULA_STARTS or text[:1] in FORMULA_STARTS else text


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(x) for x in row])
    return response


def xlsx_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(name[:31])
    sheet.append(list(header))
    for row in rows:
        # Numbers stay numbers; text goes through safe_cell, since openpyxl stores a string that
        # starts with "=" as a formula.
        sheet.append([x if isinstance(x, int | float) else safe_cell(x) for x in row])
    buf = io.BytesIO()
    book.save(buf)
    response = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
