"""Report generators: plain data from SQL aggregations, no per-row Python over a year of
dispensings. Formatters (``compliance.formatters``) render the same data as page, PDF, CSV and
JSON. Each generator takes the period and a ``step(percent)`` callback for progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from club.quantities import exact
from club.rulebook import Rulebook
from club.selectors import rulebook_get

Step = Callable[[int], None]
ZERO = Decimal("0.00")


def _sum(value: Any) -> Decimal:
    return exact(value) if value is not None else ZERO


# --- Members -------------------------------------------------------------------------------------


def _holding_place_on(day: dt.date) -> Q:
    return Q(admitted_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gt=day))


def member_counts(start: dt.date, end: dt.date) -> dict[str, int]:
    from members.models import Member

    return Member.objects.aggregate(
        at_start=Count("pk", filter=_holding_place_on(start - dt.timedelta(days=1))),
        at_end=Count("pk", filter=_holding_place_on(end)),
        admitted=Count("pk", filter=Q(admitted_on__gte=start, admitted_on__lte=end)),
        ended=Count("pk", filter=Q(ends_on__gte=start, ends_on__lte=end)),
    )


# --- Cannabis: grown, dispensed, destroyed, in stock, by strain ----------------------------------


def movement_sums(group: str, start: dt.date, after: dt.date) -> Any:
    """Stock movements up to ``after`` (exclusive), summed per ``group`` in one query: the stock
    before ``start`` and at the end, and from ``start`` on what went in, out to members,
    destroyed and corrected."""
    from harvests.models import MovementKind, StockMovement

    since = Q(at__date__gte=start)
    out = [MovementKind.DISPENSING_OUT, MovementKind.DISPENSING_REVERSAL]
    return (
        StockMovement.objects.filter(at__date__lt=after)
        .values(group)
        .annotate(
            before=Sum("grams", filter=Q(at__date__lt=start)),
            total=Sum("grams"),
            into=Sum("grams", filter=since & Q(kind=MovementKind.HARVEST_IN)),
            out=Sum("grams", filter=since & Q(kind__in=out)),
            destroyed=Sum("grams", filter=since & Q(kind=MovementKind.DESTRUCTION)),
            corrections=Sum("grams", filter=since & Q(kind=MovementKind.CORRECTION)),
        )
    )


def strain_flows(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Per strain for the days ``start`` to ``end``: grown (dry grams harvested), into lots,
    dispensed, destroyed, corrections, stock at both ends, average THC and CBD of what was
    dispensed (weighted by grams) and of the lots made; the difference the books cannot explain."""
    from harvests.models import Harvest, Lot, Strain

    after = end + dt.timedelta(days=1)
    rows: dict[int, dict[str, Any]] = {}

    def row(pk: int) -> dict[str, Any]:
        return rows.setdefault(
            pk,
            {
                "grown_wet": ZERO,
                "grown": ZERO,
                "into_lots": ZERO,
                "dispensed": ZERO,
                "destroyed": ZERO,
                "corrections": ZERO,
                "stock_start": ZERO,
                "stock_end": ZERO,
                "thc": None,
                "cbd": None,
            },
        )

    for h in (
        Harvest.objects.filter(harvested_on__gte=start, harvested_on__lte=end)
        .values("batch__strain_id")
        .annotate(wet=Sum("wet_grams"), dry=Sum("dry_grams"))
    ):
        r = row(h["batch__strain_id"])
        r["grown_wet"], r["grown"] = _sum(h["wet"]), _sum(h["dry"])
    strain = "lot__harvest__batch__strain_id"
    for m in movement_sums(strain, start, after):
        r = row(m[strain])
        r["stock_start"], r["stock_end"] = _sum(m["before"]), _sum(m["total"])
        r["into_lots"] = _sum(m["into"])
        r["dispensed"] = -_sum(m["out"])
        r["destroyed"] = -_sum(m["destroyed"])
        r["corrections"] = _sum(m["corrections"])
    from dispensing.models import Dispensing

    for d in (
        Dispensing.objects.filter(local_date__gte=start, local_date__lte=end, reversal__isnull=True)
        .values("lot__harvest__batch__strain_id")
        .annotate(
            thc_g=Sum(F("grams") * F("thc_percent")),
            cbd_g=Sum(F("grams") * F("cbd_percent")),
            g=Sum("grams"),
        )
    ):
        r = row(d["lot__harvest__batch__strain_id"])
        if d["g"]:
            r["thc"] = exact(d["thc_g"] / d["g"])
            r["cbd"] = exact(d["cbd_g"] / d["g"])
    for lot in (
        Lot.objects.filter(harvest__batch__strain_id__in=list(rows))
        .values("harvest__batch__strain_id")
        .annotate(thc=Avg("thc_percent"), cbd=Avg("cbd_percent"))
    ):
        r = rows[lot["harvest__batch__strain_id"]]
        if r["thc"] is None:  # nothing dispensed: the lots' average
            r["thc"], r["cbd"] = exact(lot["thc"]), exact(lot["cbd"])
    names = dict(Strain.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    out = []
    for pk, r in sorted(rows.items(), key=lambda kv: names.get(kv[0], "")):
        # Stock moves only by its movements: what is left unexplained is a hole in the books.
        expected_end = (
            r["stock_start"] + r["into_lots"] - r["dispensed"] - r["destroyed"] + r["corrections"]
        )
        out.append(
            {
                "strain": names.get(pk, "?"),
                **r,
                "not_in_lots": r["grown"] - r["into_lots"],
                "difference": r["stock_end"] - expected_end,
            }
        )
    return out


def _totals(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Decimal]:
    return {k: sum((r[k] for r in rows), ZERO) for k in keys}


FLOW_KEYS = (
    "grown",
    "into_lots",
    "dispensed",
    "destroyed",
    "corrections",
    "stock_start",
    "stock_end",
    "not_in_lots",
    "difference",
)


def corrections_listed(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Each stock correction of the period with its reason: the explained differences."""
    from harvests.models import MovementKind, StockMovement

    rows: Any = (
        StockMovement.objects.filter(
            kind=MovementKind.CORRECTION, at__date__gte=start, at__date__lte=end
        )
        .order_by("at")
        .values("at__date", "lot__code", "grams", "reason")[:200]
    )
    return list(rows)


# --- Demand against production -------------------------------------------------------------------


def demand_against_production(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    from dispensing.models import Dispensing
    from harvests.models import Harvest
    from members.selectors import demand_by_month

    months = (end.year - start.year) * 12 + end.month - start.month + 1
    demand = demand_by_month(first=start, months=months)
    harvested = {
        r["m"].date() if isinstance(r["m"], dt.datetime) else r["m"]: _sum(r["g"])
        for r in Harvest.objects.filter(harvested_on__gte=start, harvested_on__lte=end)
        .annotate(m=TruncMonth("harvested_on"))
        .values("m")
        .annotate(g=Sum("dry_grams"))
    }
    dispensed = {
        r["m"].date() if isinstance(r["m"], dt.datetime) else r["m"]: _sum(r["g"])
        for r in Dispensing.objects.filter(
            local_date__gte=start, local_date__lte=end, reversal__isnull=True
        )
        .annotate(m=TruncMonth("local_date"))
        .values("m")
        .annotate(g=Sum("grams"))
    }
    return [
        {
            "month": d["month"],
            "declared": exact(d["grams"]),
            "harvested": harvested.get(d["month"], ZERO),
            "dispensed": dispensed.get(d["month"], ZERO),
        }
        for d in demand
    ]


# --- Money ---------------------------------------------------------------------------------------


def money(start: dt.date, end: dt.date) -> dict[str, Any]:
    from finance import chart
    from finance.models import Account, AccountKind, Leg
    from finance.selectors import account_balances, cost_per_gram, income_statement

    names = {code: _(name) for code, name in Account.objects.values_list("code", "name")}
    statement = income_statement(start=start, end=end)
    cost = cost_per_gram(start=start, end=end)
    before = {
        b["account"].code: b["balance"]
        for b in account_balances(until=start - dt.timedelta(days=1))
    }
    after = {b["account"].code: b for b in account_balances(until=end)}
    reserves = [
        {
            "code": code,
            "name": names[code],
            "start": before.get(code, ZERO),
            "end": b["balance"],
        }
        for code, b in after.items()
        if b["account"].kind == AccountKind.EQUITY
    ]
    # Surplus paid out: money leaving cash or bank in a transaction that lowers the reserves.
    distributed = -_sum(
        Leg.objects.filter(
            transaction__booked_on__gte=start,
            transaction__booked_on__lte=end,
            account__code__in=[chart.CASH, chart.BANK],
            amount__lt=0,
            transaction__legs__account__kind=AccountKind.EQUITY,
            transaction__legs__amount__gt=0,
        ).aggregate(s=Sum("amount"))["s"]
    )
    compensation: list[dict[str, Any]] = [
        {"person": r["person"] or "—", "amount": _sum(r["s"])}
        for r in Leg.objects.filter(
            transaction__booked_on__gte=start,
            transaction__booked_on__lte=end,
            account__code=chart.BOARD_COMPENSATION,
        )
        .annotate(
            person=F("transaction__expense_of__supplier"),
        )
        .values("person")
        .annotate(s=Sum("amount"))
        .order_by("person")
    ]
    # A reversal's leg names no supplier: give it to the person of the expense it reverses.
    reversed_by_person: dict[str, Decimal] = {}
    for r in (
        Leg.objects.filter(
            transaction__booked_on__gte=start,
            transaction__booked_on__lte=end,
            account__code=chart.BOARD_COMPENSATION,
            transaction__reverses__isnull=False,
        )
        .values("transaction__reverses__expense_of__supplier")
        .annotate(s=Sum("amount"))
    ):
        person = r["transaction__reverses__expense_of__supplier"] or "—"
        reversed_by_person[person] = reversed_by_person.get(person, ZERO) + _sum(r["s"])
    by_person: dict[Any, Decimal] = {}
    for c in compensation:
        by_person[c["person"]] = by_person.get(c["person"], ZERO) + c["amount"]
    for person, amount in reversed_by_person.items():
        by_person["—"] = by_person.get("—", ZERO) - amount
        by_person[person] = by_person.get(person, ZERO) + amount
    return {
        "income": [
            {"code": code, "name": names[code], "amount": amount}
            for code, amount in statement["income"].items()
        ],
        "expenses": [
            {"code": code, "name": names[code], "amount": amount}
            for code, amount in statement["expenses"].items()
        ],
        "total_income": statement["total_income"],
        "total_expenses": statement["total_expenses"],
        "result": statement["result"],
        "reserves": reserves,
        "distributed": distributed,
        "board_compensation": [
            {"person": p, "amount": a} for p, a in sorted(by_person.items()) if a
        ],
        "cost": {k: v for k, v in cost.items() if k not in ("months", "start", "end")},
    }


# --- The reports ---------------------------------------------------------------------------------


def annual_audit(start: dt.date, end: dt.date, step: Step) -> dict[str, Any]:
    from club.models import User
    from club.roles import Role
    from governance.selectors import elected_auditors

    step(10)
    finance = money(start, end)
    step(40)
    members = member_counts(start, end)
    flows = strain_flows(start, end)
    step(70)
    demand = demand_against_production(start, end)
    step(85)
    treasurers = [
        u.get_full_name() or str(_("Treasurer"))
        for u in User.objects.filter(groups__name=Role.TREASURER, is_active=True).order_by("pk")
    ]
    return {
        "preliminary": end >= timezone.localdate(),
        "money": finance,
        "members": members,
        "strains": flows,
        "strain_totals": _totals(flows, FLOW_KEYS),
        "corrections": corrections_listed(start, end),
        "demand": demand,
        "treasurers": treasurers,
        "auditors": elected_auditors(end),
    }


def authority_annual(start: dt.date, end: dt.date, step: Step) -> dict[str, Any]:
    step(20)
    flows = strain_flows(start, end)
    step(80)
    return {
        "strains": flows,
        "strain_totals": _totals(flows, FLOW_KEYS),
    }


AGE_GROUPS = ((18, 20), (21, 24), (25, 29), (30, 39), (40, 49), (50, 59), (60, 64), (65, None))


def age_group(age: int) -> str:
    for low, high in AGE_GROUPS:
        if high is None or age <= high:
            return f"{low}-{high}" if high else f"{low}+"
    return "?"


def dispensing_export_rows(start: dt.date, end: dt.date) -> Any:
    """The §26(2) export, row by row from the database cursor: day, age group (from the year of
    birth), grams, THC and CBD, strain. No name, number, receipt or time of day."""
    from dispensing.models import Dispensing

    qs = (
        Dispensing.objects.filter(local_date__gte=start, local_date__lte=end, reversal__isnull=True)
        .annotate(born=ExtractYear("member__date_of_birth"))
        .order_by("local_date", "strain_name", "grams", "thc_percent")
        .values_list("local_date", "born", "grams", "thc_percent", "cbd_percent", "strain_name")
    )
    for day, born, grams, thc, cbd, strain in qs.iterator(chunk_size=5000):
        # Age reached in the year of the dispensing: the year of birth is all the export holds.
        yield (day.isoformat(), age_group(day.year - born), str(grams), str(thc), str(cbd), strain)


def dispensing_export(start: dt.date, end: dt.date, step: Step) -> dict[str, Any]:
    from dispensing.models import Dispensing

    summary = Dispensing.objects.filter(
        local_date__gte=start, local_date__lte=end, reversal__isnull=True
    ).aggregate(count=Count("pk"), grams=Sum("grams"))
    step(20)
    return {
        "count": summary["count"],
        "grams": _sum(summary["grams"]),
    }


def stock_monthly(start: dt.date, end: dt.date, step: Step) -> dict[str, Any]:
    """Per lot: stock at the start, in, dispensed, destroyed, corrected, stock at the end; and
    the mass balance up to the month's end with its flags."""
    from harvests.models import Lot
    from harvests.selectors import mass_balance

    after = end + dt.timedelta(days=1)
    lots: list[dict[str, Any]] = []
    rows = movement_sums("lot_id", start, after)
    info = {
        lot["pk"]: lot
        for lot in Lot.objects.values("pk", "code", "status", "harvest__batch__strain__name")
    }
    step(40)
    for r in rows:
        lot = info[r["lot_id"]]
        start_stock, end_stock = _sum(r["before"]), _sum(r["total"])
        if not start_stock and not end_stock and not r["into"] and not r["out"]:
            continue
        lots.append(
            {
                "lot": lot["code"],
                "strain": lot["harvest__batch__strain__name"],
                "status": lot["status"],
                "stock_start": start_stock,
                "into_lots": _sum(r["into"]),
                "dispensed": -_sum(r["out"]),
                "destroyed": -_sum(r["destroyed"]),
                "corrections": _sum(r["corrections"]),
                "stock_end": end_stock,
            }
        )
    lots.sort(key=lambda r: str(r["lot"]))
    step(70)
    balance = mass_balance(until=after)
    return {
        "lots": lots,
        "lot_totals": _totals(
            lots,
            ("stock_start", "into_lots", "dispensed", "destroyed", "corrections", "stock_end"),
        ),
        "mass_balance": [{k: r[k] for k in MASS_BALANCE_COLUMNS} for r in balance],
        "corrections": corrections_listed(start, end),
    }


MASS_BALANCE_COLUMNS = (
    "strain",
    "grown",
    "dispensed",
    "destroyed",
    "stock",
    "drying_loss",
    "not_in_lots",
    "corrections",
    "difference",
    "flagged",
)


def quarterly(start: dt.date, end: dt.date, step: Step) -> dict[str, Any]:
    """The Maltese quarterly report: members, cannabis dispensed, cash flow."""
    from dispensing.models import Dispensing
    from finance import chart
    from finance.models import Leg

    members = member_counts(start, end)
    dispensed = Dispensing.objects.filter(
        local_date__gte=start, local_date__lte=end, reversal__isnull=True
    ).aggregate(count=Count("pk"), grams=Sum("grams"), members=Count("member", distinct=True))
    step(50)
    cash = Leg.objects.filter(
        transaction__booked_on__gte=start,
        transaction__booked_on__lte=end,
        account__code__in=[chart.CASH, chart.BANK],
    ).aggregate(
        inflow=Sum("amount", filter=Q(amount__gt=0)), outflow=Sum("amount", filter=Q(amount__lt=0))
    )
    finance = money(start, end)
    return {
        "members": members,
        "dispensings": dispensed["count"],
        "grams": _sum(dispensed["grams"]),
        "members_served": dispensed["members"],
        "cash_in": _sum(cash["inflow"]),
        "cash_out": -_sum(cash["outflow"]),
        "net_cash": _sum(cash["inflow"]) + _sum(cash["outflow"]),
        "total_income": finance["total_income"],
        "total_expenses": finance["total_expenses"],
        "result": finance["result"],
        "harm_reduction_share": _harm_reduction(finance["total_income"], rulebook_get()),
    }


def _harm_reduction(income: Decimal, book: Rulebook) -> Decimal | None:
    share = getattr(book, "harm_reduction_fund_percent", None)
    return exact(income * Decimal(share) / 100) if share else None


def member_register(start: dt.date, end: dt.date, step: Step) -> dict[str, Any]:
    """Who holds or held a place on the day: number, name, year of birth, admitted, ends, status."""
    from members.models import Member

    rows = list(
        Member.objects.filter(admitted_on__lte=end)
        .annotate(born=ExtractYear("date_of_birth"))
        .order_by("number")
        .values("number", "last_name", "first_name", "born", "admitted_on", "ends_on", "status")
    )
    step(60)
    return {
        "members": [{**r, "holds_place": r["ends_on"] is None or r["ends_on"] > end} for r in rows],
        "holding": sum(1 for r in rows if r["ends_on"] is None or r["ends_on"] > end),
    }
