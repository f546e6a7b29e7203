"""The chart of accounts every club starts with (codes after the German SKR 49 for associations,
simplified). Income and expense kinds follow the issue's list, so the annual audit can group
them; a club may add accounts, never renumber these."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

CASH, BANK, RECEIVABLES = "1000", "1200", "1400"
RESERVES = "2000"
MEMBERSHIP_FEES, ADMISSION_FEES, CONTRIBUTIONS, DONATIONS = "4000", "4100", "4200", "4300"
ENERGY, SUPPLIES, LAB_TESTS = "6100", "6200", "6400"  # the cultivation's own costs
BOARD_COMPENSATION = "6800"

CHART: tuple[tuple[str, str, str], ...] = (
    (CASH, gettext_noop("Cash"), "asset"),
    (BANK, gettext_noop("Bank"), "asset"),
    (RECEIVABLES, gettext_noop("Member receivables"), "asset"),
    (RESERVES, gettext_noop("Reserves"), "equity"),
    (MEMBERSHIP_FEES, gettext_noop("Membership fees"), "income"),
    (ADMISSION_FEES, gettext_noop("Admission fees"), "income"),
    (CONTRIBUTIONS, gettext_noop("Dispensing contributions"), "income"),
    (DONATIONS, gettext_noop("Donations"), "income"),
    ("6000", gettext_noop("Rent"), "expense"),
    (ENERGY, gettext_noop("Energy"), "expense"),
    (SUPPLIES, gettext_noop("Cultivation supplies"), "expense"),
    ("6300", gettext_noop("Staff"), "expense"),
    (LAB_TESTS, gettext_noop("Lab tests"), "expense"),
    ("6500", gettext_noop("Insurance"), "expense"),
    ("6600", gettext_noop("Prevention"), "expense"),
    ("6700", gettext_noop("Administration"), "expense"),
    (BOARD_COMPENSATION, gettext_noop("Board compensation"), "expense"),
    ("6900", gettext_noop("Other expenses"), "expense"),
)


def ensure(account_model: Any = None) -> None:
    """Create the accounts of the chart that are missing (the migration calls it; so do tests
    that empty the database between them)."""
    if account_model is None:
        from finance.models import Account as account_model
    for code, name, kind in CHART:
        account_model.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
