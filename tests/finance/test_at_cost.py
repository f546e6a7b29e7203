"""A lot's price at cost (issue 10, point 3), worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from club.audit import audit_verify
from finance.expenses import expense_record
from finance.models import LotPrice
from finance.services import contribution_per_gram, gram_price_set
from tests.factories import dispense, make_harvest, make_lot, make_member, set_rules
from tests.finance.test_ledger import _adopted_poll

pytestmark = pytest.mark.django_db


def test_a_lot_is_priced_at_cost_when_it_is_released(club) -> None:
    """The batch's own costs: soil 250.00 and its lab test 50.00, over its 250 g dry harvest:
    1.20 per gram. Overheads by grams harvested: rent 1,200.00 over the year's 250 g harvested:
    4.80 per gram. The lot's price: 6.00 per gram; 2 g cost the member 12.00."""
    set_rules("DE")
    today = dt.date.today()
    poll = _adopted_poll()
    gram_price_set(
        actor=None,
        valid_from=today - dt.timedelta(days=30),
        per_gram="0",
        poll_id=poll.pk,
        method="at_cost",
        overhead_key="harvested",
    )
    harvest = make_harvest(dry="250", wet="1000")
    batch = harvest.batch.code
    for account, amount, batch_code in (
        ("6200", "250.00", batch),
        ("6400", "50.00", batch),
        ("6000", "1200.00", ""),
    ):
        expense_record(
            actor=None,
            spent_on=today,
            account_code=account,
            amount=amount,
            supplier="S",
            description="cost",
            batch_code=batch_code,
        )
    lot = make_lot(grams="100", thc="9", harvest=harvest)  # released here: the price is fixed
    price = LotPrice.objects.get(lot=lot)
    assert price.cultivation_per_gram == Decimal("1.2000")
    assert price.overhead_per_gram == Decimal("4.8000")
    assert price.per_gram == Decimal("6.00")
    assert contribution_per_gram(lot, today) == Decimal("6.00")
    d = dispense(make_member(), lot, "2").dispensing
    assert d.contribution_per_gram == Decimal("6.00") and d.contribution == Decimal("12.00")
    # Costs booked after the release do not move the price the counter charges.
    expense_record(
        actor=None,
        spent_on=today,
        account_code="6200",
        amount="500",
        supplier="S",
        description="later",
        batch_code=batch,
    )
    assert contribution_per_gram(lot, today) == Decimal("6.00")
    assert audit_verify().ok
