"""SEPA direct debit (issue 10, point 7): IBAN and BIC checked, a pain.008 that validates
against its XSD, first then recurring sequences, and a returned debit booked back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import xmlschema

from club.audit import audit_verify
from club.errors import ServiceError
from finance.fees import member_balance, payment_record
from finance.models import SepaCollection, SepaRun
from finance.sepa import mandate_record, sepa_creditor_set, sepa_return_record, sepa_run_create
from finance.services import transaction_record
from tests.factories import make_member, set_rules

pytestmark = pytest.mark.django_db
GOOD_IBAN = "DE89 3704 0044 0532 0130 00"
XSD = "pain.008.001.02.xsd"


def _owe(member, amount: str) -> None:
    transaction_record(
        actor=None,
        booked_on=dt.date(2026, 11, 1),
        description="Membership fee",
        legs=[("1400", Decimal(amount), member), ("4000", -Decimal(amount))],
    )


@pytest.mark.parametrize(
    "iban", ["DE89 3704 0044 0532 0130 01", "DE00", "XX89370400440532013000", "=cmd"]
)
def test_iban_checksums_are_refused(club, iban: str) -> None:
    member = make_member()
    with pytest.raises(ServiceError) as exc:
        mandate_record(
            actor=None,
            member_number=member.number,
            iban=iban,
            bic="COBADEFFXXX",
            holder="Kim Konto",
            signed_on=dt.date(2026, 1, 1),
        )
    assert exc.value.code == "IBAN_INVALID"


def test_a_run_collects_open_fees_in_a_valid_pain_008_and_a_return_books_back(club) -> None:
    import os

    import sepaxml

    set_rules("DE")
    sepa_creditor_set(
        actor=None,
        name="Grüner Kreis Berlin e.V.",
        iban="DE02120300000000202051",
        bic="BYLADEM1001",
        creditor_id="DE98ZZZ09999999999",
    )
    a, b = make_member(), make_member()
    for m in (a, b):
        mandate_record(
            actor=None,
            member_number=m.number,
            iban=GOOD_IBAN,
            bic="COBADEFFXXX",
            holder=m.full_name,
            signed_on=dt.date(2026, 1, 1),
        )
    _owe(a, "15.00")
    _owe(b, "30.00")
    payment_record(
        actor=None,
        member_number=b.number,
        amount="30",
        method="cash",
        received_on=dt.date(2026, 11, 2),
    )
    run = sepa_run_create(actor=None, collection_date=dt.date(2026, 11, 10))
    xml = run.file.read()
    schema = xmlschema.XMLSchema(os.path.join(os.path.dirname(sepaxml.__file__), "schemas", XSD))
    schema.validate(xml.decode())  # the file the bank receives is valid pain.008.001.02
    assert b"<SeqTp>FRST</SeqTp>" in xml and b"1500" not in xml and b"15.00" in xml
    assert run.total == Decimal("15.00") and member_balance(a) == Decimal("0.00")
    collection = SepaCollection.objects.get()
    assert collection.mandate.member == a and collection.sequence == "FRST"
    with pytest.raises(ServiceError):
        sepa_return_record(
            actor=None,
            end_to_end_id=collection.end_to_end_id,
            reason_code="XX99",
            returned_on=dt.date(2026, 11, 14),
        )
    sepa_return_record(
        actor=None,
        end_to_end_id=collection.end_to_end_id,
        reason_code="AC04",
        returned_on=dt.date(2026, 11, 14),
    )
    assert member_balance(a) == Decimal("15.00")  # owed again
    second = sepa_run_create(actor=None, collection_date=dt.date(2026, 12, 10))
    assert b"<SeqTp>RCUR</SeqTp>" in second.file.read()
    with pytest.raises(ServiceError) as exc:
        sepa_run_create(actor=None, collection_date=dt.date(2026, 12, 20))
    assert exc.value.code == "NOTHING_TO_COLLECT"
    assert SepaRun.objects.count() == 2
    assert audit_verify().ok
