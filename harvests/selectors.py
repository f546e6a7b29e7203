"""Reads of the harvests app: stock (always a sum), the plan against declared demand, recall
recipients and the mass balance."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery, Sum

from club.quantities import exact
from club.selectors import rulebook_get
from harvests.models import (
    Batch,
    Harvest,
    Lot,
    LotStatus,
    LotStatusChange,
    MovementKind,
    PropagationMovement,
    Stage,
    StockMovement,
    Strain,
)
from members.models import Member
from members.rules import add_months
from members.selectors import demand_by_month

ZERO = Decimal("0")


def lot_stock(lot_id: int) -> Decimal:
    """A lot's stock: the balance its last movement left (kept on the lot, never summed)."""
    return exact(Lot.objects.filter(pk=lot_id).values_list("stock", flat=True).first())


def lots_with_stock(*, status: str = "") -> list[Lot]:
    """Lots with their stock (``lot.stock``) and strain, in one query."""
    qs = Lot.objects.select_related("harvest__batch__strain")
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-created_at"))


def batches_by_stage() -> dict[str, list[Batch]]:
    out: dict[str, list[Batch]] = {s: [] for s in Stage.values}
    for batch in Batch.objects.select_related("strain").order_by("started_on", "code"):
        out[batch.stage].append(batch)
    return out


def propagation_on_hand(*, strain_id: int, kind: str) -> int:
    total = PropagationMovement.objects.filter(strain_id=strain_id, kind=kind).aggregate(
        n=Sum("count")
    )["n"]
    return int(total or 0)


def recall_recipients(lot: Lot) -> list[Member]:
    """Every member who received grams of ``lot`` (net of reversals)."""
    rows = (
        StockMovement.objects.filter(
            lot=lot,
            member__isnull=False,
            kind__in=[MovementKind.DISPENSING_OUT, MovementKind.DISPENSING_REVERSAL],
        )
        .values("member_id")
        .annotate(net=Sum("grams"))
        .filter(net__lt=0)
    )
    ids = [r["member_id"] for r in rows]
    return list(Member.objects.filter(pk__in=ids).select_related("user").order_by("number"))


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, month = [], start.replace(day=1)
    while month <= end:
        out.append(month)
        month = add_months(month, 1)
    return out


def planned_by_month(
    *, first: dt.date, last: dt.date, extra: tuple[dt.date, dt.date, Decimal] | None = None
) -> dict[dt.date, Decimal]:
    """Expected yield per month: each live batch's yield spread evenly over the months it serves."""
    planned: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    batches = (
        Batch.objects.exclude(stage=Stage.DESTROYED)
        .filter(period_start__lte=last, period_end__gte=first)
        .values("period_start", "period_end", "expected_yield_grams")
    )
    items = [(b["period_start"], b["period_end"], b["expected_yield_grams"]) for b in batches]
    if extra is not None:
        items.append(extra)
    for start, end, grams in items:
        months = _months(start, end)
        share = grams / len(months)
        for month in months:
            if first <= month <= last:
                planned[month] += share
    return planned


def plan_check(
    *, period_start: dt.date, period_end: dt.date, extra_grams: Decimal = ZERO
) -> list[dict[str, Any]]:
    """For each month of the period: declared demand, what is planned (with the new batch), and
    what the tolerance allows."""
    tolerance = rulebook_get().plan_tolerance_percent or ZERO
    months = _months(period_start, period_end)
    demand = {
        row["month"]: row["grams"] for row in demand_by_month(first=months[0], months=len(months))
    }
    planned = planned_by_month(
        first=months[0],
        last=months[-1],
        extra=(period_start, period_end, extra_grams) if extra_grams else None,
    )
    rows = []
    for month in months:
        allowed = demand.get(month, ZERO) * (1 + tolerance / 100)
        rows.append(
            {
                "month": month,
                "demand": demand.get(month, ZERO),
                "planned": planned[month].quantize(Decimal("0.01")),
                "allowed": allowed.quantize(Decimal("0.01")),
            }
        )
    return rows


def demand_vs_plan(*, first: dt.date, months: int = 12) -> list[dict[str, Any]]:
    first = first.replace(day=1)
    return plan_check(period_start=first, period_end=add_months(first, months - 1))


def mass_balance(*, until: dt.date) -> list[dict[str, Any]]:
    """Per strain, everything up to ``until`` (exclusive): grown (wet) must equal dispensed +
    destroyed + in stock + drying loss + dry grams not yet in lots - corrections. Any difference,
    and any correction, is flagged for a look."""
    rows: dict[int, dict[str, Any]] = {}

    def row(strain_id: int) -> dict[str, Any]:
        if strain_id not in rows:
            rows[strain_id] = {
                k: ZERO
                for k in (
                    "grown",
                    "drying_loss",
                    "dry",
                    "into_lots",
                    "dispensed",
                    "destroyed",
                    "corrections",
                    "stock",
                )
            }
        return rows[strain_id]

    for h in (
        Harvest.objects.filter(harvested_on__lt=until)
        .values("batch__strain_id")
        .annotate(wet=Sum("wet_grams"), dry=Sum("dry_grams"))
    ):
        r = row(h["batch__strain_id"])
        wet, dry = exact(h["wet"]), exact(h["dry"])
        r["grown"] += wet
        r["dry"] += dry
        r["drying_loss"] += wet - dry
    moves = (
        StockMovement.objects.filter(at__date__lt=until)
        .values("lot__harvest__batch__strain_id", "kind")
        .annotate(g=Sum("grams"))
    )
    for m in moves:
        r = row(m["lot__harvest__batch__strain_id"])
        g = exact(m["g"])
        r["stock"] += g
        if m["kind"] == MovementKind.HARVEST_IN:
            r["into_lots"] += g
        elif m["kind"] in (MovementKind.DISPENSING_OUT, MovementKind.DISPENSING_REVERSAL):
            r["dispensed"] -= g
        elif m["kind"] == MovementKind.DESTRUCTION:
            r["destroyed"] -= g
        elif m["kind"] == MovementKind.CORRECTION:
            r["corrections"] += g
    names = dict(Strain.objects.filter(pk__in=rows).values_list("pk", "name"))
    out = []
    for strain_id, r in sorted(rows.items(), key=lambda kv: names.get(kv[0], "")):
        not_in_lots = r["dry"] - r["into_lots"]
        accounted = (
            r["dispensed"]
            + r["destroyed"]
            + r["stock"]
            + r["drying_loss"]
            + not_in_lots
            - r["corrections"]
        )
        difference = r["grown"] - accounted
        out.append(
            {
                **r,
                "strain": names.get(strain_id, "?"),
                "not_in_lots": not_in_lots,
                "difference": difference,
                "flagged": difference != 0 or r["corrections"] != 0 or not_in_lots < 0,
            }
        )
    return out


def lots_available() -> list[Lot]:
    """Released lots that still hold stock, for the counter (dispensing reads them here), first
    expiring first out: earliest best-before, then the earliest released."""
    released_at = (
        LotStatusChange.objects.filter(lot=OuterRef("pk"), to_status=LotStatus.RELEASED)
        .order_by("at")
        .values("at")[:1]
    )
    qs = (
        Lot.objects.select_related("harvest__batch__strain")
        .filter(status=LotStatus.RELEASED, stock__gt=0)
        .annotate(released_at=Subquery(released_at))
        .order_by("best_before", "released_at", "pk")
    )
    return list(qs)


def stock_balance_problems() -> Iterator[str]:
    """For audit_verify: every movement's balance is the running sum of its lot's movements up
    to it, and every lot holds the balance its last movement left."""
    totals: dict[int, Decimal] = {}
    rows = (
        StockMovement.objects.order_by("lot_id", "id")
        .values_list("lot_id", "id", "grams", "balance_after")
        .iterator(chunk_size=5000)
    )
    for lot_id, pk, grams, balance in rows:
        total = totals.get(lot_id, ZERO) + grams
        totals[lot_id] = total
        if balance is not None and exact(balance) != exact(total):
            yield (
                f"harvests_stockmovement {pk}: balance {exact(balance)} g, but lot {lot_id}'s "
                f"movements up to it sum to {exact(total)} g"
            )
    for lot_id, stock in Lot.objects.values_list("id", "stock").iterator(chunk_size=5000):
        if exact(stock) != exact(totals.get(lot_id, ZERO)):
            yield (
                f"harvests_lot {lot_id}: holds {exact(stock)} g, but its movements sum to "
                f"{exact(totals.get(lot_id, ZERO))} g"
            )
