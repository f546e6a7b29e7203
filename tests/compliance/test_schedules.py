"""What the scheduled jobs do: the nightly checks mail the board when the chain or the mass
balance fails; January's reminders go to the treasurers until the report is marked as sent; the
reports of the month and of the year are asked for by the schedule."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction

from club.models import AuditEvent
from club.roles import Role
from compliance.models import ReportRun
from compliance.schedules import (
    annual_reminder_send,
    annual_reports_request,
    monthly_stock_request,
    nightly_checks_run,
)
from compliance.services import report_mark_submitted
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_nightly_checks_are_quiet_when_all_is_well(club, mailoutbox) -> None:
    make_user(roles=(Role.BOARD,), mfa=True)
    outcome = nightly_checks_run()
    assert outcome["audit_ok"] and outcome["mailed"] == 0 and mailoutbox == []


def test_a_broken_chain_mails_the_board(club, mailoutbox) -> None:
    board = make_user(roles=(Role.BOARD,), mfa=True)
    make_user(roles=(Role.TREASURER,), mfa=True)
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    # An edit behind the app's back: a server admin who switches the triggers off.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE club_auditevent SET payload = %s WHERE seq = %s", ['{"x":1}', event.seq]
        )
    outcome = nightly_checks_run()
    assert not outcome["audit_ok"] and outcome["mailed"] == 1
    assert [m.to for m in mailoutbox] == [[board.email]]
    assert f"number {event.seq}" in mailoutbox[0].body


def test_january_reminders_stop_once_the_report_is_marked_sent(
    club, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    with time_machine.travel(dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC)):
        assert annual_reminder_send() == 1
        assert "2026" in mailoutbox[0].subject and mailoutbox[0].to == [treasurer.email]
        with django_capture_on_commit_callbacks(execute=True):
            run_ids = annual_reports_request()
        authority = ReportRun.objects.get(kind="authority_annual")
        assert authority.pk in run_ids and authority.state == "done"
        report_mark_submitted(actor=treasurer, run_id=authority.pk)
        assert annual_reminder_send() == 0
    with time_machine.travel(dt.datetime(2027, 2, 1, 9, tzinfo=dt.UTC)):
        assert annual_reminder_send() == 0  # February: none
    assert len(mailoutbox) == 1


def test_the_schedule_asks_for_last_months_stock_once(
    club, django_capture_on_commit_callbacks
) -> None:
    with (
        time_machine.travel(dt.datetime(2026, 3, 1, 4, tzinfo=dt.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = monthly_stock_request()
        again = monthly_stock_request()  # a second beat, or a redelivery
    run = ReportRun.objects.get()
    assert first == again == [run.pk]
    assert (run.period_start, run.period_end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert run.state == "done" and run.requested_by is None


def test_the_daily_checkpoint_goes_to_the_board_until_auditors_are_elected(
    club, mailoutbox
) -> None:
    from club.checkpoints import parse, signature_ok
    from compliance.schedules import checkpoint_daily_run

    board = make_user(roles=(Role.BOARD,), mfa=True)
    outcome = checkpoint_daily_run()
    assert outcome["mailed"] == 1 and mailoutbox[0].to == [board.email]
    line = next(x for x in mailoutbox[0].body.splitlines() if x.startswith("csc-checkpoint-v1"))
    kept = parse(line)
    assert kept.seq == outcome["seq"] and signature_ok(kept)
