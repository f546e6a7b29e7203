"""The finance API (issue 10, point 10): the board reads, only the treasurer books, members see
only their own account."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from club.roles import Role
from finance.fees import payment_record
from finance.models import Transaction
from tests.factories import auth_headers, make_member, make_user, set_rules

pytestmark = pytest.mark.django_db


def test_the_treasurer_books_and_reverses_the_board_only_reads(client, club) -> None:
    set_rules("DE")
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    board = make_user(roles=(Role.BOARD,), mfa=True)
    body = {
        "booked_on": "2026-05-02",
        "description": "Insurance 2026",
        "legs": [{"account": "6500", "amount": "240,00"}, {"account": "1200", "amount": "-240.00"}],
    }
    r = client.post(
        "/api/v1/finance/transactions",
        body,
        content_type="application/json",
        headers=auth_headers(board),
    )
    assert r.status_code == 403
    r = client.post(
        "/api/v1/finance/transactions",
        body,
        content_type="application/json",
        headers=auth_headers(treasurer),
    )
    assert r.status_code == 201, r.json()
    tx_id = r.json()["id"]
    unbalanced = {
        **body,
        "legs": [{"account": "6500", "amount": "1"}, {"account": "1200", "amount": "-2"}],
    }
    r = client.post(
        "/api/v1/finance/transactions",
        unbalanced,
        content_type="application/json",
        headers=auth_headers(treasurer),
    )
    assert r.status_code == 400 and r.json()["code"] == "UNBALANCED"
    accounts = client.get("/api/v1/finance/accounts", headers=auth_headers(board)).json()
    assert {a["code"]: a["balance"] for a in accounts}["6500"] == "240.00"
    r = client.post(
        f"/api/v1/finance/transactions/{tx_id}/reversal",
        {"reason": "paid twice"},
        content_type="application/json",
        headers=auth_headers(treasurer),
    )
    assert r.status_code == 201 and r.json()["reverses"] == tx_id
    journal = client.get("/api/v1/finance/transactions", headers=auth_headers(board)).json()
    assert [t["id"] for t in journal][:2] == [r.json()["id"], tx_id]
    assert Transaction.objects.count() == 2


def test_members_see_only_their_own_account(client, club) -> None:
    set_rules("DE")
    me, other = make_member(), make_member()
    payment_record(
        actor=None,
        member_number=me.number,
        amount="20",
        method="cash",
        received_on=dt.date(2026, 11, 1),
    )
    mine = client.get("/api/v1/me/account", headers=auth_headers(me.user)).json()
    assert mine["member"] == me.number and mine["balance"] == "-20.00"
    assert mine["entries"][0]["amount"] == "-20.00"
    r = client.get(f"/api/v1/finance/members/{other.number}/account", headers=auth_headers(me.user))
    assert r.status_code == 403


def test_an_expense_through_the_api_refuses_html(client, club) -> None:
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    body = {
        "spent_on": "2026-03-01",
        "account": "6700",
        "amount": "9.90",
        "supplier": "Copyshop",
        "description": "Printing",
        "document_base64": base64.b64encode(b"<svg onload=alert(1)>").decode(),
        "document_name": "x.pdf",
    }
    r = client.post(
        "/api/v1/finance/expenses",
        body,
        content_type="application/json",
        headers=auth_headers(treasurer),
    )
    assert r.status_code == 400 and r.json()["code"] == "DOCUMENT_TYPE_REFUSED"
    body["document_base64"] = base64.b64encode(b"%PDF-1.4 ok").decode()
    r = client.post(
        "/api/v1/finance/expenses",
        body,
        content_type="application/json",
        headers=auth_headers(treasurer),
    )
    assert r.status_code == 201 and len(r.json()["sha256"]) == 64
