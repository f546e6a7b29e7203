"""The retention purge: a member who left more than five years ago (DE) leaves no personal data
in any table, while the records the law keeps stay and the audit chain still verifies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Cast

from club.audit import audit_verify
from club.models import AuditEvent
from club.roles import Role
from compliance.retention import retention_purge
from dispensing.models import Dispensing
from finance.sepa import mandate_record
from members.models import Member, MemberDecision
from members.services import (
    application_decide,
    application_submit,
    identity_check_record,
    member_status_change,
)
from tests.factories import (
    application_data,
    dispense,
    make_lot,
    make_member,
    make_user,
    set_rules,
)

pytestmark = pytest.mark.django_db
# Test SQL on the model's own table name, nothing from outside.
# ruff: noqa: S608

SECRETS = ("Quirrel", "quirrel@", "Quirlweg", "DE89370400440532013000", "Zweitwohnsitz", "QX47")


def travel(year: int, month: int, day: int) -> Any:
    return time_machine.travel(dt.datetime(year, month, day, 12, tzinfo=dt.UTC), tick=True)


def _leaver() -> Member:
    """Zacharias Quirrelstein applied, was checked and admitted in 2019, had a mandate and a
    dispensing, and left in 2020, giving a private reason."""
    board = make_user(roles=(Role.BOARD,), mfa=True)
    with travel(2019, 1, 10):
        application = application_submit(
            **application_data(
                first_name="Zacharias",
                last_name="Quirrelstein",
                email="zacharias.quirrel@test.example",
                address="Quirlweg 7, 10115 Berlin",
            )
        )
        identity_check_record(
            actor=board,
            application_id=application.pk,
            document_type="id_card",
            document_last_digits="QX47",
            age_confirmed=True,
            residence_confirmed=True,
        )
        member = application_decide(
            actor=board, application_id=application.pk, approve=True, reason="known to Quirrel"
        )
        assert member is not None
        mandate_record(
            actor=None,
            member_number=member.number,
            iban="DE89370400440532013000",
            bic="COBADEFFXXX",
            holder="Zacharias Quirrelstein",
            signed_on=dt.date(2019, 1, 10),
        )
    with travel(2019, 5, 2):
        dispense(member, make_lot(grams="50", thc="9"), "2")
        from club.services import api_token_create

        api_token_create(user=member.user, name="phone")
    with travel(2020, 2, 1):
        member_status_change(
            actor=board, number=member.number, action="end", reason="Zweitwohnsitz in Quirrelheim"
        )
    with travel(2019, 2, 1):
        rejected = application_submit(
            **application_data(first_name="Quentin", last_name="Quirrelbaum")
        )
        application_decide(actor=board, application_id=rejected.pk, approve=False, reason="no")
    member.refresh_from_db()
    return member


def _where(secret: str) -> list[str]:
    """Every table and column, any app's, whose text holds ``secret``."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                hits = model._base_manager.filter(**{f"{field.name}__icontains": secret})
            elif isinstance(field, models.JSONField):
                hits = model._base_manager.annotate(
                    _text=Cast(field.name, models.TextField())
                ).filter(_text__icontains=secret)
            else:
                continue
            if hits.exists():
                found.append(f"{model._meta.db_table}.{field.column}")
    return found


def test_a_leaver_past_retention_leaves_no_personal_data_anywhere(
    club, django_capture_on_commit_callbacks
) -> None:
    from compliance.models import ReportRun
    from compliance.services import report_request

    set_rules("DE")  # records kept five years
    member = _leaver()
    stayer = make_member(first_name="Anna", last_name="Aktiv")
    with django_capture_on_commit_callbacks(execute=True):
        extract, _new = report_request(actor=None, kind="member_register", period="2019-12-31")
    extract.refresh_from_db()
    assert extract.state == "done" and "Quirrelstein" in str(extract.data)
    for secret in SECRETS:
        assert _where(secret), secret  # it was there before
    receipts = Dispensing.objects.filter(member=member).count()
    counts = retention_purge(actor=None)
    assert counts["members"] == 1 and counts["applications"] == 2
    assert counts["mandates"] == 1 and counts["identity_checks"] == 1
    for secret in SECRETS:
        assert _where(secret) == [], secret
    extract = ReportRun.objects.get(pk=extract.pk)
    assert not extract.file and extract.data == {"erased": True}
    member.refresh_from_db()
    assert member.number and member.status == "ended" and not member.user.is_active
    from club.models import ApiToken

    assert ApiToken.objects.get(user=member.user).revoked_at is not None
    assert Dispensing.objects.filter(member=member).count() == receipts == 1  # the law keeps it
    assert MemberDecision.objects.filter(member=member).count() == 2
    stayer.refresh_from_db()
    assert stayer.first_name == "Anna" and stayer.user.is_active
    result = audit_verify()
    assert result.ok, result.problems
    purge = AuditEvent.objects.get(action="retention.purge")
    assert '"members":1' in purge.payload.replace(" ", "") and "Quirrel" not in purge.payload
    assert retention_purge(actor=None) == {}  # nothing left to erase, no second event
    assert AuditEvent.objects.filter(action="retention.purge").count() == 1


def test_a_recent_leaver_is_kept(club) -> None:
    set_rules("DE")
    member = make_member(first_name="Rita", last_name="Recent")
    member_status_change(actor=None, number=member.number, action="end", reason="moved")
    assert retention_purge(actor=None) == {}
    member.refresh_from_db()
    assert member.first_name == "Rita"


def test_the_purge_is_scheduled_nightly() -> None:
    from compliance.schedules import DEFAULTS

    assert "compliance.tasks.retention_purge" in {d.task for d in DEFAULTS}


@pytest.mark.postgres
def test_the_database_allows_only_the_erasure_on_append_only_tables(club) -> None:
    member = make_member()
    member_status_change(actor=None, number=member.number, action="suspend", reason="private")
    decision = MemberDecision.objects.filter(member=member).last()
    assert decision is not None
    table = MemberDecision._meta.db_table
    refused = [
        f"UPDATE {table} SET reason = 'edited' WHERE id = %s",
        f"UPDATE {table} SET kind = 'expel', reason = '' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ]
    for sql in refused:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [decision.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = '' WHERE id = %s", [decision.pk])
    decision.refresh_from_db()
    assert decision.reason == "" and decision.kind == "suspend"
