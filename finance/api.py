"""JSON endpoints of the finance app (API.md): accounts, the journal, bookings and reversals,
expenses, member accounts and the fee schedule. The board reads; only the treasurer books;
members see only their own account."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Status

from club import errors
from club.api_support import Id, Limit, Offset, Schema, caller, requires
from club.errors import ServiceError
from club.quantities import parse_money
from club.roles import SIGNED_IN, Role
from finance import selectors
from finance.expenses import expense_record
from finance.fees import member_balance
from finance.models import FeeSchedule, Transaction
from finance.services import transaction_record, transaction_reverse
from members.selectors import member_by_number, member_of_user

router = Router(tags=["finance"])
READERS = (Role.TREASURER, Role.BOARD)


class PeriodQuery(Schema):
    date_from: dt.date = Field(alias="from", description="first day")
    to: dt.date = Field(description="last day")


class LegIn(Schema):
    account: str = Field(max_length=20, description="account code")
    amount: str = Field(max_length=20, description='debit positive, credit negative: "-12.50"')
    member: Id | None = Field(None, description="membership number, for a member receivable")


class TransactionIn(Schema):
    booked_on: dt.date
    description: str = Field(min_length=1, max_length=300)
    legs: list[LegIn] = Field(min_length=2, max_length=50)


class ReversalIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class ExpenseIn(Schema):
    spent_on: dt.date
    account: str = Field(max_length=20)
    amount: str = Field(max_length=20)
    supplier: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=300)
    paid_from: str = Field("1200", max_length=20)
    batch: str = Field("", max_length=20)
    document_base64: str | None = Field(None, max_length=15_000_000)
    document_name: str = Field("", max_length=200)


def _tx_out(tx: Transaction) -> dict[str, Any]:
    return {
        "id": tx.pk,
        "booked_on": tx.booked_on,
        "description": tx.description,
        "reference": tx.reference,
        "reverses": tx.reverses_id,
        "reason": tx.reason,
        "legs": [
            {
                "account": leg.account.code,
                "amount": str(leg.amount),
                "currency": leg.currency,
                "member": leg.member.number if leg.member else None,
            }
            for leg in tx.legs.all()
        ],
    }


def _amount(text: str) -> Decimal:
    """A signed amount as the API takes it: "12.50" (debit) or "-12.50" (credit)."""
    body = text.strip()
    value = parse_money(body.removeprefix("-"), field="amount")
    return -value if body.startswith("-") else value


@router.get(
    "/finance/accounts", response=list[dict], auth=requires(*READERS), summary="Chart of accounts"
)
def accounts(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": row["account"].code,
            "name": row["account"].name,
            "kind": row["account"].kind,
            "currency": row["account"].currency,
            "balance": str(row["balance"]),
        }
        for row in selectors.account_balances()
    ]


@router.get(
    "/finance/transactions",
    response=list[dict],
    auth=requires(*READERS),
    summary="The journal, newest first",
)
def transactions(request: HttpRequest, limit: Limit = 100, offset: Offset = 0) -> list[dict]:
    return [_tx_out(tx) for tx in selectors.journal()[offset : offset + limit]]


@router.post(
    "/finance/transactions",
    response={201: dict},
    auth=requires(Role.TREASURER),
    summary="Book a balanced transaction",
)
def transaction_new(request: HttpRequest, payload: TransactionIn) -> Status:
    legs = []
    for leg in payload.legs:
        member = None
        if leg.member is not None:
            member = member_by_number(leg.member)
            if member is None:
                raise Http404
        legs.append((leg.account, _amount(leg.amount), member))
    tx = transaction_record(
        actor=caller(request),
        booked_on=payload.booked_on,
        description=payload.description,
        legs=legs,
    )
    return Status(201, _tx_out(tx))


@router.post(
    "/finance/transactions/{id}/reversal",
    response={201: dict},
    auth=requires(Role.TREASURER),
    summary="Reverse a transaction with a reason",
)
def transaction_reversal(request: HttpRequest, id: Id, payload: ReversalIn) -> Status:
    tx = transaction_reverse(actor=caller(request), transaction_id=id, reason=payload.reason)
    return Status(201, _tx_out(tx))


@router.post(
    "/finance/expenses",
    response={201: dict},
    auth=requires(Role.TREASURER),
    summary="An expense with its document (PDF, PNG or JPEG, base64)",
)
def expense_new(request: HttpRequest, payload: ExpenseIn) -> Status:
    document = None
    if payload.document_base64:
        try:
            document = base64.b64decode(payload.document_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ServiceError(
                errors.INVALID_INPUT,
                errors.MESSAGES[errors.INVALID_INPUT],
                status=400,
                fields={"document_base64": ["not base64"]},
            ) from exc
    expense = expense_record(
        actor=caller(request),
        spent_on=payload.spent_on,
        account_code=payload.account,
        amount=payload.amount,
        supplier=payload.supplier,
        description=payload.description,
        paid_from=payload.paid_from,
        document=document,
        filename=payload.document_name,
        batch_code=payload.batch,
    )
    return Status(
        201,
        {
            "id": expense.pk,
            "transaction": expense.transaction_id,
            "sha256": expense.document_sha256 or None,
        },
    )


def _account_out(member: Any) -> dict[str, Any]:
    return {
        "member": member.number,
        "balance": str(member_balance(member)),
        "entries": [
            {**row, "amount": str(row["amount"]), "balance": str(row["balance"])}
            for row in selectors.member_statement(member)
        ],
    }


@router.get(
    "/finance/members/{number}/account",
    response=dict,
    auth=requires(*READERS),
    summary="A member's charges, payments and balance",
)
def member_account(request: HttpRequest, number: Id) -> dict[str, Any]:
    member = member_by_number(number)
    if member is None:
        raise Http404
    return _account_out(member)


@router.get("/me/account", response=dict, auth=requires(SIGNED_IN), summary="My account")
def my_account(request: HttpRequest) -> dict[str, Any]:
    member = member_of_user(caller(request))
    if member is None:
        raise Http404
    return _account_out(member)


@router.get(
    "/finance/fee-schedule",
    response=list[dict],
    auth=requires(*READERS),
    summary="Fee schedule versions with their adopting poll",
)
def fee_schedule(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "valid_from": s.valid_from,
            "period": s.period,
            "membership_fee": str(s.membership_fee),
            "admission_fee": str(s.admission_fee) if s.admission_fee is not None else None,
            "reduced_fee": str(s.reduced_fee) if s.reduced_fee is not None else None,
            "arrears_limit": str(s.arrears_limit),
            "currency": s.currency,
            "adopted_by_poll": s.adopted_by_id,
        }
        for s in FeeSchedule.objects.order_by("valid_from")
    ]


@router.get(
    "/finance/cost-per-gram",
    response=dict,
    auth=requires(*READERS),
    summary="Cost per gram for a period, against the contribution charged",
)
def cost_per_gram_api(request: HttpRequest, period: Query[PeriodQuery]) -> dict[str, Any]:
    start, end = period.date_from, period.to
    if end < start:
        raise ServiceError(
            errors.INVALID_INPUT,
            errors.MESSAGES[errors.INVALID_INPUT],
            status=400,
            fields={"to": ["before from"]},
        )
    data = selectors.cost_per_gram(start=start, end=end)
    return {
        k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items() if k != "months"
    } | {
        "months": [
            {"month": m["month"], "income": str(m["income"]), "costs": str(m["costs"])}
            for m in data["months"]
        ]
    }
