"""Formatters: the same plain data of a report as a page, a PDF, CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.html import escape
from django.utils.translation import gettext as _

from club.documents import pdf_render
from club.exports import safe_cell
from compliance.models import ReportKind
from compliance.periods import ANNUAL
from compliance.reports import MASS_BALANCE_COLUMNS

NUMBER = re.compile(r"-?\d+(\.\d+)?")


def plain(value: Any) -> Any:
    """JSON-ready: decimals as strings (never floats), days and times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if NUMBER.fullmatch(text) else safe_cell(text)


def csv_write(out: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(x) for x in row])


FLOW_COLUMNS = (
    ("strain", "strain"),
    ("grown_dry_g", "grown"),
    ("into_lots_g", "into_lots"),
    ("dispensed_g", "dispensed"),
    ("destroyed_g", "destroyed"),
    ("corrections_g", "corrections"),
    ("stock_start_g", "stock_start"),
    ("stock_end_g", "stock_end"),
    ("avg_thc_percent", "thc"),
    ("avg_cbd_percent", "cbd"),
    ("difference_g", "difference"),
)


def tables(kind: str, data: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's tables, each a name, a header and rows (for CSV and spreadsheets)."""
    out: list[tuple[str, list[str], list[list[Any]]]] = []
    if kind in (ReportKind.ANNUAL_AUDIT, ReportKind.AUTHORITY_ANNUAL):
        out.append(
            (
                "strains",
                [c for c, _k in FLOW_COLUMNS],
                [[r.get(k) for _c, k in FLOW_COLUMNS] for r in data["strains"]],
            )
        )
    if kind == ReportKind.ANNUAL_AUDIT:
        m = data["money"]
        out.append(
            (
                "income_statement",
                ["kind", "account", "name", "amount"],
                [["income", r["code"], r["name"], r["amount"]] for r in m["income"]]
                + [["expense", r["code"], r["name"], r["amount"]] for r in m["expenses"]]
                + [["result", "", "", m["result"]]],
            )
        )
        out.append(
            (
                "cost_per_gram",
                ["measure", "value"],
                [[k, v] for k, v in m["cost"].items()],
            )
        )
        out.append(
            (
                "members",
                ["measure", "count"],
                [[k, v] for k, v in data["members"].items()],
            )
        )
        out.append(
            (
                "demand",
                ["month", "declared_g", "harvested_g", "dispensed_g"],
                [
                    [r["month"], r["declared"], r["harvested"], r["dispensed"]]
                    for r in data["demand"]
                ],
            )
        )
        out.append(
            (
                "board_compensation",
                ["person", "amount"],
                [[r["person"], r["amount"]] for r in m["board_compensation"]],
            )
        )
    if kind == ReportKind.STOCK_MONTHLY:
        cols = [
            "lot",
            "strain",
            "status",
            "stock_start",
            "into_lots",
            "dispensed",
            "destroyed",
            "corrections",
            "stock_end",
        ]
        out.append(("lots", cols, [[r[c] for c in cols] for r in data["lots"]]))
        cols = list(MASS_BALANCE_COLUMNS)
        out.append(("mass_balance", cols, [[r[c] for c in cols] for r in data["mass_balance"]]))
    if kind == ReportKind.QUARTERLY:
        keys = [
            "dispensings",
            "grams",
            "members_served",
            "cash_in",
            "cash_out",
            "net_cash",
            "total_income",
            "total_expenses",
            "result",
            "harm_reduction_share",
        ]
        rows = [[k, data[k]] for k in keys] + [
            [f"members_{k}", v] for k, v in data["members"].items()
        ]
        out.append(("quarter", ["measure", "value"], rows))
    if kind == ReportKind.MEMBER_REGISTER:
        cols = ["number", "last_name", "first_name", "born", "admitted_on", "ends_on", "status"]
        out.append(("register", cols, [[r[c] for c in cols] for r in data["members"]]))
    return out


def csv_bytes(kind: str, data: dict[str, Any]) -> bytes:
    """Every table of the report in one CSV file, each headed by its name."""
    buf = io.StringIO()
    for i, (name, header, rows) in enumerate(tables(kind, data)):
        if i:
            buf.write("\r\n")
        csv.writer(buf).writerow([f"# {name}"])
        csv_write(buf, header, rows)
    return buf.getvalue().encode("utf-8")


def json_bytes(run: Any, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "kind": run.kind,
            "period_start": run.period_start.isoformat(),
            "period_end": run.period_end.isoformat(),
            "version": run.version,
            "data": data,
        },
        ensure_ascii=False,
        indent=1,
    ).encode("utf-8")


def demand_chart(rows: list[dict[str, Any]]) -> str:
    """Declared demand against grams harvested and dispensed by month, as an SVG bar chart."""
    width, height, left, bottom = 640, 220, 46, 30
    values = [Decimal(r[k]) for r in rows for k in ("declared", "harvested", "dispensed")]
    top = max([*values, Decimal(1)])
    slot = (width - left - 10) / max(len(rows), 1)
    bar = slot / 4
    scale = float(height - bottom - 10) / float(top)
    colours = {"declared": "#555", "harvested": "#2e7d32", "dispensed": "#1565c0"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
        'stroke="#333" stroke-width="0.8"/>',
        f'<text x="{left - 4}" y="14" font-size="9" text-anchor="end">{int(top)} g</text>',
    ]
    for i, r in enumerate(rows):
        x0 = left + i * slot + bar / 2
        for j, key in enumerate(("declared", "harvested", "dispensed")):
            h = float(Decimal(r[key])) * scale
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colours[key]}"/>'
            )
        month = dt.date.fromisoformat(r["month"])
        parts.append(
            f'<text x="{x0 + 1.5 * bar:.1f}" y="{height - bottom + 12}" font-size="8" '
            f'text-anchor="middle">{formats.date_format(month, "n/y")}</text>'
        )
    legend = (
        ("declared", _("declared demand")),
        ("harvested", _("harvested")),
        ("dispensed", _("dispensed")),
    )
    for j, (key, label) in enumerate(legend):
        x = left + j * 150
        parts.append(
            f'<rect x="{x}" y="{height - 10}" width="8" height="8" fill="{colours[key]}"/>'
            f'<text x="{x + 12}" y="{height - 3}" font-size="8">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def pdf_bytes(run: Any, data: dict[str, Any], *, title: str, period: str) -> bytes:
    context = {
        "run": run,
        "data": data,
        "period": period,
        "body": f"compliance/body/{run.kind}.html",
    }
    if run.kind == ReportKind.ANNUAL_AUDIT:
        context["chart"] = demand_chart(data["demand"])
    return pdf_render(
        "compliance/pdf/report.html",
        context,
        title=title,
        archive=run.kind in ANNUAL,
    )
