"""Reads of the finance app: balances derived from the legs, the income statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from club.quantities import exact
from finance import chart
from finance.models import CREDIT_NORMAL, Account, AccountKind, Leg


def account_balances(*, until: dt.date | None = None) -> list[dict[str, Any]]:
    """Every account with its balance as people read it (income, reserves and debts with the
    credit sign), summed from the legs in one query."""
    legs = Leg.objects.all()
    if until is not None:
        legs = legs.filter(transaction__booked_on__lte=until)
    sums = dict(legs.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))
    out = []
    for account in Account.objects.order_by("code"):
        raw = exact(sums.get(account.pk))
        out.append(
            {
                "account": account,
                "debit_balance": raw,
                "balance": -raw if account.kind in CREDIT_NORMAL else raw,
            }
        )
    return out


def income_statement(*, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Income and expenses by account between two days (inclusive), and the result: a surplus
    (positive) or a deficit (negative). A non-profit club aims at zero over the years."""
    rows = (
        Leg.objects.filter(
            transaction__booked_on__gte=start,
            transaction__booked_on__lte=end,
            account__kind__in=[AccountKind.INCOME, AccountKind.EXPENSE],
        )
        .values("account__code", "account__name", "account__kind")
        .annotate(s=Sum("amount"))
        .order_by("account__code")
    )
    income = {r["account__code"]: -exact(r["s"]) for r in rows if r["account__kind"] == "income"}
    expenses = {r["account__code"]: exact(r["s"]) for r in rows if r["account__kind"] == "expense"}
    total_income = sum(income.values(), Decimal("0.00"))
    total_expenses = sum(expenses.values(), Decimal("0.00"))
    return {
        "income": income,
        "expenses": expenses,
        "total_income": total_income,
        "total_expenses": total_expenses,
        "result": total_income - total_expenses,
    }


def journal() -> Any:
    """The journal, newest first, with its legs and accounts in two queries."""
    from finance.models import Transaction

    return Transaction.objects.prefetch_related("legs__account", "legs__member").order_by(
        "-booked_on", "-pk"
    )


def member_statement(member: Any) -> list[dict[str, Any]]:
    """A member's account: each charge and payment with the running balance, oldest first."""
    rows = []
    running = Decimal("0.00")
    legs = (
        Leg.objects.filter(member=member, account__code=chart.RECEIVABLES)
        .select_related("transaction")
        .order_by("transaction__booked_on", "transaction__pk")
    )
    for leg in legs:
        running += leg.amount
        rows.append(
            {
                "booked_on": leg.transaction.booked_on,
                "description": leg.transaction.description,
                "amount": exact(leg.amount),
                "balance": exact(running),
            }
        )
    return rows


# Accounts whose costs are the cultivation's own (besides expenses booked against a batch).
CULTIVATION_ACCOUNTS = (chart.ENERGY, chart.SUPPLIES, chart.LAB_TESTS)


def cost_per_gram(*, start: dt.date, end: dt.date) -> dict[str, Any]:
    """For the days ``start`` to ``end`` (inclusive): cultivation costs over grams harvested, all
    costs over grams dispensed, the contribution charged per gram dispensed, the result, and
    income against costs month by month. Sums in SQL; no row-by-row Python."""
    from django.db.models import Q
    from django.db.models.functions import TruncMonth

    from dispensing.models import Dispensing
    from harvests.models import Harvest

    legs = Leg.objects.filter(transaction__booked_on__gte=start, transaction__booked_on__lte=end)
    expense_legs = legs.filter(account__kind=AccountKind.EXPENSE)
    cultivation = exact(
        expense_legs.filter(
            Q(account__code__in=CULTIVATION_ACCOUNTS)
            | Q(transaction__expense_of__batch__isnull=False)
        ).aggregate(s=Sum("amount"))["s"]
    )
    costs = exact(expense_legs.aggregate(s=Sum("amount"))["s"])
    income_legs = legs.filter(account__kind=AccountKind.INCOME)
    income = -exact(income_legs.aggregate(s=Sum("amount"))["s"])
    contributions = -exact(
        income_legs.filter(account__code=chart.CONTRIBUTIONS).aggregate(s=Sum("amount"))["s"]
    )
    harvested = exact(
        Harvest.objects.filter(harvested_on__gte=start, harvested_on__lte=end).aggregate(
            s=Sum("dry_grams")
        )["s"]
    )
    dispensed = exact(
        Dispensing.objects.filter(
            local_date__gte=start, local_date__lte=end, reversal__isnull=True
        ).aggregate(s=Sum("grams"))["s"]
    )

    def per_gram(amount: Decimal, grams: Decimal) -> Decimal | None:
        return exact(amount / grams) if grams else None

    months: dict[Any, dict[str, Decimal]] = {}
    for row in (
        legs.filter(account__kind__in=[AccountKind.INCOME, AccountKind.EXPENSE])
        .annotate(month=TruncMonth("transaction__booked_on"))
        .values("month", "account__kind")
        .annotate(s=Sum("amount"))
        .order_by("month")
    ):
        month = months.setdefault(
            row["month"], {"income": Decimal("0.00"), "costs": Decimal("0.00")}
        )
        if row["account__kind"] == AccountKind.INCOME:
            month["income"] -= exact(row["s"])
        else:
            month["costs"] += exact(row["s"])
    return {
        "start": start,
        "end": end,
        "cultivation_costs": cultivation,
        "all_costs": costs,
        "income": income,
        "contributions": contributions,
        "grams_harvested": harvested,
        "grams_dispensed": dispensed,
        "cultivation_cost_per_gram_harvested": per_gram(cultivation, harvested),
        "cost_per_gram_dispensed": per_gram(costs, dispensed),
        "contribution_per_gram_dispensed": per_gram(contributions, dispensed),
        "result": income - costs,
        "months": [{"month": m, **v} for m, v in sorted(months.items())],
    }


def member_balances() -> dict[int, Decimal]:
    """Every member's balance (member pk → amount owed), in one query."""
    rows = (
        Leg.objects.filter(account__code=chart.RECEIVABLES, member__isnull=False)
        .values("member")
        .annotate(s=Sum("amount"))
    )
    return {r["member"]: exact(r["s"]) for r in rows}
