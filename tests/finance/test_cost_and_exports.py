"""Cost per gram worked by hand (issue 10, point 8) and the accountant's exports (point 9)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from club.roles import Role
from finance.expenses import expense_record
from finance.selectors import cost_per_gram
from finance.services import gram_price_set
from tests.factories import auth_headers, dispense, make_lot, make_member, make_user, set_rules
from tests.finance.test_ledger import _adopted_poll

pytestmark = pytest.mark.django_db
D = Decimal


def test_cost_per_gram_worked_by_hand(client, club) -> None:
    """A harvest of 250 g dry (make_lot harvests 250 g); energy 100.00 and soil 25.00 are
    cultivation costs, rent 75.00 is not: cultivation 125.00 / 250 g = 0.50 per gram harvested.
    Members receive 2 g and 3 g at 6.50 = 32.50 in contributions; all costs 200.00 / 5 g = 40.00
    per gram dispensed, against 6.50 charged; income 32.50 - costs 200.00 = a deficit of 167.50."""
    set_rules("DE")
    today = dt.date.today()
    poll = _adopted_poll()
    gram_price_set(actor=None, valid_from=dt.date(2000, 1, 1), per_gram="6.50", poll_id=poll.pk)
    lot = make_lot(grams="100", thc="9")
    for code, amount in (("6100", "100"), ("6200", "25"), ("6000", "75")):
        expense_record(
            actor=None,
            spent_on=today,
            account_code=code,
            amount=amount,
            supplier="S",
            description="cost",
        )
    member = make_member()
    dispense(member, lot, "2")
    dispense(member, lot, "3")
    start = today - dt.timedelta(days=60)
    data = cost_per_gram(start=start, end=today)
    assert data["grams_harvested"] == D("250.00") and data["grams_dispensed"] == D("5.00")
    assert data["cultivation_costs"] == D("125.00") and data["all_costs"] == D("200.00")
    assert data["cultivation_cost_per_gram_harvested"] == D("0.50")
    assert data["cost_per_gram_dispensed"] == D("40.00")
    assert data["contribution_per_gram_dispensed"] == D("6.50")
    assert data["result"] == D("-167.50")
    board = make_user(roles=(Role.BOARD,), mfa=True)
    r = client.get(
        "/api/v1/finance/cost-per-gram",
        {"from": start.isoformat(), "to": today.isoformat()},
        headers=auth_headers(board),
    )
    assert r.status_code == 200 and r.json()["cost_per_gram_dispensed"] == "40.00"
    client.force_login(board)
    page = client.get("/finance/cost/").content.decode()
    assert 'data-figure="cost">40.00' in page and 'data-figure="result"><strong>-167.50' in page


def test_exports_neutralise_formulas_in_csv_and_xlsx(client, club) -> None:
    set_rules("DE")
    for text in ('=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tTab", "\rCR"):
        expense_record(
            actor=None,
            spent_on=dt.date(2026, 2, 1),
            account_code="6900",
            amount="1",
            supplier="S",
            description=text,
        )
    make_member(last_name="=cmd|' /C calc'!A0")
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    client.force_login(treasurer)
    journal = client.get("/finance/journal.csv")
    assert journal["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(journal.content.decode())))
    descriptions = {r[2] for r in rows[1:]}
    assert all(d[:1] not in "=+-@\t\r" for d in descriptions), descriptions
    assert '\'=HYPERLINK("http://x")' in descriptions
    members = list(
        csv.reader(io.StringIO(client.get("/finance/member-accounts.csv").content.decode()))
    )
    assert any(r[1] == "'=cmd|' /C calc'!A0" for r in members)
    book = load_workbook(io.BytesIO(client.get("/finance/journal.xlsx").content))
    sheet = book.active
    assert sheet is not None
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert client.get("/finance/journal.exe").status_code == 404
