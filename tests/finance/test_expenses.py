"""Expenses with their documents (issue 10, point 6)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from club.errors import ServiceError
from finance.expenses import expense_record
from finance.models import Expense
from finance.selectors import account_balances

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"


def test_an_expense_books_its_cost_and_keeps_its_document(club) -> None:
    e = expense_record(
        actor=None,
        spent_on=dt.date(2026, 3, 1),
        account_code="6100",
        amount="312,40",
        supplier="Stadtwerke",
        description="Electricity, February",
        paid_from="1200",
        document=PDF,
        filename="invoice.pdf",
    )
    assert e.document_sha256 == hashlib.sha256(PDF).hexdigest()
    assert str(e.document.name).endswith(".pdf")
    balances = {r["account"].code: r["balance"] for r in account_balances()}
    assert balances["6100"] == Decimal("312.40") and balances["1200"] == Decimal("-312.40")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        (
            {"document": b"<html><script>alert(1)</script>", "filename": "x.pdf"},
            "DOCUMENT_TYPE_REFUSED",
        ),
        ({"document": PDF + b"0" * (10 * 1024 * 1024)}, "DOCUMENT_TOO_LARGE"),
        ({"account_code": "4000"}, "INVALID_INPUT"),  # income is no expense account
        ({"paid_from": "1400"}, "INVALID_INPUT"),
        ({"amount": "-3"}, "AMOUNT_INVALID"),
        ({"amount": "3.333"}, "AMOUNT_INVALID"),
        ({"batch_code": "B-NOPE"}, "NOT_FOUND"),
    ],
)
def test_bad_expenses_are_refused_and_write_nothing(club, changes, code: str) -> None:
    values = {
        "actor": None,
        "spent_on": dt.date(2026, 3, 1),
        "account_code": "6200",
        "amount": "10",
        "supplier": "Gartenmarkt",
        "description": "Soil",
        **changes,
    }
    with pytest.raises(ServiceError) as exc:
        expense_record(**values)
    assert exc.value.code == code
    assert not Expense.objects.exists()
