"""The demo's year of money (issue 10, point 11): fees, contributions at the adopted price,
costs, reserves, two members in arrears, and books that balance and verify."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from club.audit import audit_verify
from finance.fees import arrears
from finance.models import FeeSchedule, GramPrice, SepaRun
from finance.selectors import account_balances, income_statement

pytestmark = pytest.mark.django_db


def test_the_demo_holds_a_year_of_money() -> None:
    call_command("seed_demo")
    today = timezone.localdate()
    statement = income_statement(start=today - dt.timedelta(days=366), end=today)
    assert statement["income"]["4000"] > 0  # membership fees
    assert statement["income"]["4200"] > 0  # contributions at the adopted price per gram
    assert {"6000", "6100", "6200", "6400", "6500"} <= set(statement["expenses"])
    # A club at cost: income and costs within a fifth of each other.
    assert abs(statement["result"]) < statement["total_expenses"] / 5
    assert (FeeSchedule.objects.get().adopted_by.result or {}).get("adopted") is True
    assert GramPrice.objects.get().per_gram > 0
    assert len(arrears()) == 2
    assert SepaRun.objects.count() == 1 and SepaRun.objects.get().total > 0
    assert sum(r["debit_balance"] for r in account_balances()) == 0
    assert audit_verify().ok
    call_command("seed_demo")  # again: nothing more
    assert income_statement(start=today - dt.timedelta(days=366), end=today) == statement
