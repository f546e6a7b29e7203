"""The club's scheduled jobs, as django-celery-beat crontab entries in the database: the board
sees and changes them on the schedules page, and a deploy never restarts their clocks. The
defaults are created once (``schedules_ensure``, after migrate); a changed entry is kept."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from club.context import club_locale
from club.roles import Role, users_with_role
from governance.selectors import elected_auditor_emails


@dataclass(frozen=True)
class Default:
    name: str
    task: str
    minute: str
    hour: str
    day_of_month: str = "*"
    month_of_year: str = "*"
    day_of_week: str = "*"
    description: str = ""


DEFAULTS: tuple[Default, ...] = (
    Default(
        "nightly-checks",
        "compliance.tasks.nightly_checks",
        "30",
        "2",
        description=gettext_noop(
            "Verify the audit chain and the mass balance; mail the board if either fails."
        ),
    ),
    Default(
        "retention-purge",
        "compliance.tasks.retention_purge",
        "0",
        "3",
        description=gettext_noop("Erase or pseudonymise personal data past its retention period."),
    ),
    Default(
        "member-endings",
        "members.tasks.member_endings_apply_task",
        "10",
        "0",
        description=gettext_noop("End the memberships whose end date has come."),
    ),
    Default(
        "fee-run",
        "finance.tasks.fees_charge_task",
        "0",
        "5",
        description=gettext_noop("Charge the membership fees that are due."),
    ),
    Default(
        "stock-reconciliation",
        "compliance.tasks.monthly_stock",
        "0",
        "4",
        day_of_month="1",
        description=gettext_noop("Build last month's stock reconciliation."),
    ),
    Default(
        "annual-reports",
        "compliance.tasks.annual_reports",
        "0",
        "6",
        day_of_month="2",
        month_of_year="1",
        description=gettext_noop(
            "Build last year's annual audit, authority report and dispensing export."
        ),
    ),
    Default(
        "annual-reminder",
        "compliance.tasks.annual_reminder",
        "0",
        "9",
        day_of_month="3-31",
        month_of_year="1",
        description=gettext_noop(
            "Remind the treasurers until the authority report is marked as sent."
        ),
    ),
    Default(
        "checkpoint",
        "compliance.tasks.checkpoint_daily",
        "45",
        "2",
        description=gettext_noop(
            "Sign the audit chain's head and mail it to the elected auditors."
        ),
    ),
    Default(
        "prevention-certificate",
        "prevention.tasks.certificate_reminders_task",
        "0",
        "8",
        description=gettext_noop(
            "Remind the prevention officer and the board before the officer's training "
            "certificate lapses."
        ),
    ),
    Default(
        "jobs-recover",
        "compliance.tasks.jobs_recover",
        "*/5",
        "*",
        description=gettext_noop("Send again the jobs a stopped worker left behind."),
    ),
)


def schedules_ensure() -> int:
    """Create the default entries that are missing; returns how many were created."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    tz, _language = club_locale()
    created = 0
    for d in DEFAULTS:
        if PeriodicTask.objects.filter(name=d.name).exists():
            continue
        crontab, _new = CrontabSchedule.objects.get_or_create(
            minute=d.minute,
            hour=d.hour,
            day_of_month=d.day_of_month,
            month_of_year=d.month_of_year,
            day_of_week=d.day_of_week,
            timezone=tz,
        )
        PeriodicTask.objects.create(
            name=d.name,
            task=d.task,
            crontab=crontab,
            description=d.description,
            kwargs=json.dumps({}),
        )
        created += 1
    return created


# --- What the scheduled tasks do ----------------------------------------------------------------


def mail_role(role: str, template: str, context: dict[str, Any]) -> int:
    """One e-mail to each active user of ``role``, in the club's language."""
    from club.selectors import club_get

    sent = 0
    with translation.override(club_locale()[1]):
        context = {"club": club_get(), **context}
        subject = render_to_string(f"compliance/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"compliance/email/{template}.txt", context)
    for user in users_with_role(role):
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent


def annual_reports_request() -> list[int]:
    from compliance.models import ReportKind
    from compliance.services import report_request

    year = str(timezone.localdate().year - 1)
    runs = []
    for kind in (
        ReportKind.ANNUAL_AUDIT,
        ReportKind.AUTHORITY_ANNUAL,
        ReportKind.DISPENSING_EXPORT,
    ):
        run, _created = report_request(actor=None, kind=kind, period=year)
        runs.append(run.pk)
    return runs


def monthly_stock_request() -> list[int]:
    from compliance.models import ReportKind
    from compliance.services import report_request

    last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    run, _created = report_request(
        actor=None, kind=ReportKind.STOCK_MONTHLY, period=f"{last:%Y-%m}"
    )
    return [run.pk]


def annual_reminder_send() -> int:
    """Mail the treasurers while last year's authority report is not marked as sent (January)."""
    from compliance.models import ReportKind, ReportRun

    today = timezone.localdate()
    if today.month != 1:
        return 0
    year = today.year - 1
    runs = ReportRun.objects.filter(
        kind=ReportKind.AUTHORITY_ANNUAL, period_start=dt.date(year, 1, 1)
    )
    if runs.filter(submitted_at__isnull=False).exists():
        return 0
    return mail_role(
        Role.TREASURER,
        "annual_reminder",
        {
            "year": year,
            "deadline": dt.date(today.year, 1, 31),
            "built": runs.filter(state="done").exists(),
        },
    )


def nightly_checks_run() -> dict[str, Any]:
    """audit_verify and the mass balance up to today; the board hears of any failure."""
    from club.audit import audit_verify
    from harvests.selectors import mass_balance

    result = audit_verify()
    flagged = [
        {
            "strain": r["strain"],
            "difference": str(r["difference"]),
            "corrections": str(r["corrections"]),
        }
        for r in mass_balance(until=timezone.localdate() + dt.timedelta(days=1))
        if r["difference"] != 0
    ]
    outcome = {
        "audit_ok": result.ok,
        "events": result.events,
        "first_bad_seq": result.first_bad_seq,
        "problems": result.problems[:20],
        "mass_balance_differences": flagged,
        "mailed": 0,
    }
    if not result.ok or flagged:
        outcome["mailed"] = mail_role(Role.BOARD, "nightly_failure", outcome)
    return outcome


def checkpoint_daily_run() -> dict[str, Any]:
    """Sign the head and mail the line to the elected auditors (to the board while the assembly
    has elected none), who keep it outside the club's server."""
    from club.checkpoints import checkpoint_create, signed
    from club.selectors import club_get

    checkpoint = checkpoint_create()
    line = signed(checkpoint).text()
    recipients = elected_auditor_emails(timezone.localdate())
    with translation.override(club_locale()[1]):
        context = {"club": club_get(), "line": line, "seq": checkpoint.seq}
        subject = render_to_string("compliance/email/checkpoint_subject.txt", context).strip()
        body = render_to_string("compliance/email/checkpoint.txt", context)
    if not recipients:
        recipients = [u.email for u in users_with_role(Role.BOARD)]
    for email in recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    return {"seq": checkpoint.seq, "mailed": len(recipients)}
