"""SEPA direct debit: the club as creditor, members' mandates (IBAN and BIC checked with
schwifty), a pain.008 file of the open fees built and validated against its XSD by sepaxml, and
returned debits booked back with their reason code."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from club import errors
from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.validation import bounded_date, required_text
from finance.fees import member_balance, payment_record
from finance.models import SepaCollection, SepaCreditor, SepaMandate, SepaReturn, SepaRun
from finance.services import transaction_reverse
from members.models import Member, MemberStatus

IBAN_INVALID = "IBAN_INVALID"
BIC_INVALID = "BIC_INVALID"
NO_CREDITOR = "NO_CREDITOR"
NOTHING_TO_COLLECT = "NOTHING_TO_COLLECT"
RETURN_CODES = frozenset({"AC01", "AC04", "AC06", "AG01", "AM04", "MD01", "MD06", "MS02", "SL01"})


def _iban(raw: str, field: str = "iban") -> str:
    try:
        return str(IBAN(raw).compact)
    except (SchwiftyException, ValueError) as exc:
        message = _("This IBAN is not valid (check digits, length or country).")
        raise ServiceError(IBAN_INVALID, message, status=400, fields={field: [message]}) from exc


def _bic(raw: str, field: str = "bic") -> str:
    try:
        return str(BIC(raw).compact)
    except (SchwiftyException, ValueError) as exc:
        message = _("This BIC is not valid.")
        raise ServiceError(BIC_INVALID, message, status=400, fields={field: [message]}) from exc


@transaction.atomic
def sepa_creditor_set(*, actor: Any, name: str, iban: str, bic: str, creditor_id: str) -> Any:
    creditor = SepaCreditor.objects.select_for_update().first() or SepaCreditor()
    creditor.name = required_text(name, "name", limit=70)
    creditor.iban, creditor.bic = _iban(iban), _bic(bic)
    creditor.creditor_id = required_text(creditor_id, "creditor_id", limit=35)
    creditor.save()
    audit_record(
        actor=actor,
        action="finance.sepa_creditor",
        subject=creditor,
        payload={"iban": creditor.iban, "bic": creditor.bic, "creditor_id": creditor.creditor_id},
    )
    return creditor


@transaction.atomic
def mandate_record(
    *, actor: Any, member_number: int, iban: str, bic: str, holder: str, signed_on: dt.date
) -> SepaMandate:
    member = Member.objects.filter(number=member_number).first()
    if member is None:
        raise errors.not_found()
    mandate = SepaMandate(
        member=member,
        reference=f"CSC-{member.number}-{uuid.uuid4().hex[:8].upper()}",
        iban=_iban(iban),
        bic=_bic(bic),
        holder=required_text(holder, "holder", limit=70),
        signed_on=bounded_date(signed_on, "signed_on"),
        created_at=timezone.now(),
    )
    mandate.save()
    audit_record(
        actor=actor,
        action="finance.sepa_mandate",
        subject=mandate,
        # The chain outlives the retention period: a member's IBAN goes in masked.
        payload={
            "member": member.number,
            "reference": mandate.reference,
            "iban": f"{mandate.iban[:4]}…{mandate.iban[-4:]}",
        },
    )
    return mandate


def _current_mandates() -> dict[int, SepaMandate]:
    """The newest mandate of each active member."""
    out: dict[int, SepaMandate] = {}
    for m in SepaMandate.objects.filter(member__status=MemberStatus.ACTIVE).order_by("created_at"):
        out[m.member_id] = m
    return out


@transaction.atomic
def sepa_run_create(*, actor: Any, collection_date: dt.date) -> SepaRun:
    """Collect every member's open balance by direct debit: a pain.008.001.02 file, validated
    against its XSD before anything is saved; each collection is booked as a payment (bank
    against the member's receivable), to be booked back if the bank returns it."""
    from sepaxml import SepaDD

    creditor = SepaCreditor.objects.first()
    if creditor is None:
        raise StateConflict(NO_CREDITOR, _("Enter the club's creditor details first."))
    day = bounded_date(collection_date, "collection_date")
    used = set(SepaCollection.objects.values_list("mandate_id", flat=True))
    debits: list[tuple[SepaMandate, Decimal, str]] = []
    for mandate in _current_mandates().values():
        owed = member_balance(mandate.member)
        if owed > 0:
            debits.append((mandate, owed, "RCUR" if mandate.pk in used else "FRST"))
    if not debits:
        raise ServiceError(NOTHING_TO_COLLECT, _("No member with a mandate owes anything."))
    sepa = SepaDD(
        {
            "name": creditor.name,
            "IBAN": creditor.iban,
            "BIC": creditor.bic,
            "batch": True,
            "creditor_id": creditor.creditor_id,
            "currency": "EUR",
        },
        schema="pain.008.001.02",
    )
    ids = []
    for mandate, owed, sequence in debits:
        e2e = f"CSC{uuid.uuid4().hex[:24].upper()}"
        ids.append(e2e)
        sepa.add_payment(
            {
                "name": mandate.holder,
                "IBAN": mandate.iban,
                "BIC": mandate.bic,
                "amount": int(owed * 100),
                "type": sequence,
                "collection_date": day,
                "mandate_id": mandate.reference,
                "mandate_date": mandate.signed_on,
                "description": _("Membership fees, member no. %(n)s")
                % {"n": mandate.member.number},
                "endtoend_id": e2e,
            }
        )
    xml = sepa.export(validate=True)  # raises if the file does not validate against the XSD
    digest = hashlib.sha256(xml).hexdigest()
    run = SepaRun(
        collection_date=day,
        sha256=digest,
        total=sum((owed for _m, owed, _s in debits), Decimal("0.00")),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    run.file.save(f"pain008-{day.isoformat()}-{digest[:8]}.xml", ContentFile(xml), save=False)
    run.save()
    for (mandate, owed, sequence), e2e in zip(debits, ids, strict=True):
        payment = payment_record(
            actor=actor,
            member_number=mandate.member.number,
            amount=owed,
            method="direct_debit",
            received_on=day,
        )
        SepaCollection.objects.create(
            run=run,
            mandate=mandate,
            amount=owed,
            sequence=sequence,
            end_to_end_id=e2e,
            payment=payment,
        )
    audit_record(
        actor=actor,
        action="finance.sepa_run",
        subject=run,
        payload={"sha256": digest, "total": run.total, "count": len(debits)},
    )
    return run


@transaction.atomic
def sepa_return_record(
    *, actor: Any, end_to_end_id: str, reason_code: str, returned_on: dt.date
) -> SepaReturn:
    """The bank returned a debit: its payment is booked back with the reason code, so the
    member owes the amount again."""
    code = (reason_code or "").strip().upper()
    if code not in RETURN_CODES:
        raise ServiceError(
            errors.INVALID_INPUT, _("Give the bank's return reason code."), status=400
        )
    collection = (
        SepaCollection.objects.select_related("payment").filter(end_to_end_id=end_to_end_id).first()
    )
    if collection is None:
        raise errors.not_found()
    tx = transaction_reverse(
        actor=actor,
        transaction_id=collection.payment.transaction_id,
        reason=_("Direct debit returned by the bank (%(code)s)") % {"code": code},
    )
    try:
        with transaction.atomic():
            returned = SepaReturn.objects.create(
                collection=collection,
                reason_code=code,
                returned_on=bounded_date(returned_on, "returned_on"),
                transaction=tx,
            )
    except IntegrityError as exc:  # pragma: no cover - the reversal above refuses a second one
        raise StateConflict("ALREADY_RETURNED", _("This debit was returned already.")) from exc
    audit_record(
        actor=actor,
        action="finance.sepa_return",
        subject=returned,
        payload={"collection": end_to_end_id, "reason_code": code},
    )
    return returned
