"""A year of club life, 2025, built by the services with the clock set back: the worked example
every report test reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
import time_machine

from club.models import User

YEAR = 2025


def at(month: int, day: int, hour: int = 12) -> Any:
    return time_machine.travel(dt.datetime(YEAR, month, day, hour, tzinfo=dt.UTC), tick=True)


def build_year() -> dict[str, Any]:
    """2025, worked by hand:
    - members Ada (30) and Ben (19), and Pia who voted the price, admitted in 2024; Eva admitted
      on 10 March 2025 and ended on 20 June 2025. At the start 3, admitted 1, ended 1, at the
      end 3.
    - harvest of strain Nordlicht on 18 Feb: 1,000 g wet, 250 g dry; lot of 100 g, THC 9 %,
      CBD 1 %. Dispensed: Ada 5 g, Ben 3 g (8 g at 10.00 EUR: 80.00 contributions). Destroyed
      10 g on 1 June. Stock at the end: 82 g.
    - money: donation 100.00 (cash), energy 30.00, board compensation 50.00 to Bea Board.
      Income 180.00, expenses 80.00, surplus 100.00."""
    from finance import chart
    from finance.expenses import expense_record
    from finance.services import gram_price_set, transaction_record
    from harvests.services import lot_destroy
    from members.services import member_status_change
    from tests.factories import dispense, make_lot, make_member, make_strain
    from tests.finance.test_ledger import _adopted_poll

    chart.ensure()  # a transactional test starts from an emptied database
    with at(3, 1):
        treasurer = User.objects.filter(groups__name="treasurer").first()
        poll = _adopted_poll()
        gram_price_set(actor=None, valid_from=dt.date(YEAR, 1, 1), per_gram="10", poll_id=poll.pk)
        ada = make_member(first_name="Ada", last_name="Adler", age=30)
        ben = make_member(first_name="Ben", last_name="Berg", age=19)
        lot = make_lot(grams="100", thc="9", cbd="1", strain=make_strain("Nordlicht"))
        one = dispense(ada, lot, "5").dispensing
        two = dispense(ben, lot, "3").dispensing
        transaction_record(
            actor=None,
            booked_on=dt.date(YEAR, 3, 1),
            description="Donation",
            legs=[("1000", D("100.00")), ("4300", D("-100.00"))],
        )
        expense_record(
            actor=None,
            spent_on=dt.date(YEAR, 3, 1),
            account_code="6100",
            amount="30.00",
            supplier="Stadtwerke",
            description="Energy",
        )
        expense_record(
            actor=None,
            spent_on=dt.date(YEAR, 3, 1),
            account_code="6800",
            amount="50.00",
            supplier="Bea Board",
            description="Compensation",
        )
    with at(3, 10):
        eva = make_member(first_name="Eva", last_name="Ende", admitted_days_ago=0)
    with at(6, 1):
        lot_destroy(
            actor=None,
            code=lot.code,
            grams="10",
            reason="mould",
            method="composted",
            witness="Wim Witness",
            destroyed_on=dt.date(YEAR, 6, 1),
        )
    with at(6, 20):
        member_status_change(actor=None, number=eva.number, action="end", reason="moved away")
    return {
        "ada": ada,
        "ben": ben,
        "eva": eva,
        "lot": lot,
        "dispensings": [one, two],
        "treasurer": treasurer,
    }


@pytest.fixture
def year(club: Any) -> dict[str, Any]:
    return build_year()
