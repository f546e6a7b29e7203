"""Expenses: a cost with its document, booked from the cash box or the bank to an expense account,
optionally against a batch (so a lot's price at cost can count it)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from club import errors
from club.audit import audit_record
from club.errors import ServiceError
from club.uploads import accepted_document
from club.validation import required_text
from finance import chart
from finance.models import Account, AccountKind, Expense
from finance.services import money, transaction_record

DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@transaction.atomic
def expense_record(
    *,
    actor: Any,
    spent_on: dt.date,
    account_code: str,
    amount: Any,
    supplier: str,
    description: str,
    paid_from: str = chart.BANK,
    document: bytes | None = None,
    filename: str = "",
    batch_code: str = "",
) -> Expense:
    """Book an expense: Dr the expense account, Cr cash or bank. The document, if any, must be a
    PDF or an image by its content, at most 10 MiB; its SHA-256 is kept and audited."""
    account = Account.objects.filter(code=account_code, kind=AccountKind.EXPENSE).first()
    source = Account.objects.filter(code=paid_from, code__in=[chart.CASH, chart.BANK]).first()
    if account is None or source is None:
        raise ServiceError(
            errors.INVALID_INPUT, _("Choose an expense account and cash or bank."), status=400
        )
    value = money(amount)
    if value == 0:
        raise ServiceError(errors.INVALID_INPUT, _("Enter the amount."), status=400)
    batch = None
    if batch_code:
        from harvests.models import Batch

        batch = Batch.objects.filter(code=batch_code[:20]).first()
        if batch is None:
            raise errors.not_found()
    name, digest = "", ""
    if document:
        if len(document) > MAX_DOCUMENT_BYTES:
            raise ServiceError(
                DOCUMENT_TOO_LARGE, _("The document is larger than 10 MiB."), status=400
            )
        name = accepted_document(document, filename, field="document")
        digest = hashlib.sha256(document).hexdigest()
    tx = transaction_record(
        actor=actor,
        booked_on=spent_on,
        description=required_text(description, "description", limit=300),
        legs=[(account.code, value), (source.code, -value)],
    )
    expense = Expense(
        spent_on=tx.booked_on,
        account=account,
        amount=value,
        supplier=required_text(supplier, "supplier", limit=200),
        description=tx.description,
        paid_from=source,
        document_sha256=digest,
        batch=batch,
        transaction=tx,
    )
    if document:
        expense.document.save(name, ContentFile(document), save=False)
    expense.save()
    audit_record(
        actor=actor,
        action="finance.expense",
        subject=expense,
        payload={
            "account": account.code,
            "amount": value,
            "sha256": digest,
            "batch": batch.code if batch else None,
        },
    )
    return expense
