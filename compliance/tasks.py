from __future__ import annotations

from typing import Any

from celery import shared_task

from club.tasks_base import JOB_OPTIONS


@shared_task(name="compliance.tasks.report_build", **JOB_OPTIONS)
def report_build(run_id: int) -> str:
    """Build one report run; safe to deliver twice."""
    from compliance.services import report_run_execute

    return report_run_execute(run_id=run_id)


@shared_task(name="compliance.tasks.jobs_recover", **JOB_OPTIONS)
def jobs_recover() -> dict[str, list[int]]:
    """Every few minutes: send again the jobs that a dead worker or a lost message left behind."""
    from compliance.services import reports_recover
    from members.services import import_jobs_recover

    return {"reports": reports_recover(), "imports": import_jobs_recover()}


@shared_task(name="compliance.tasks.annual_reports", **JOB_OPTIONS)
def annual_reports() -> list[int]:
    """In the first days of January: the previous year's annual audit, authority report and
    anonymised dispensing export."""
    from compliance.schedules import annual_reports_request

    return annual_reports_request()


@shared_task(name="compliance.tasks.monthly_stock", **JOB_OPTIONS)
def monthly_stock() -> list[int]:
    """On the 1st: the previous month's stock reconciliation."""
    from compliance.schedules import monthly_stock_request

    return monthly_stock_request()


@shared_task(name="compliance.tasks.annual_reminder", **JOB_OPTIONS)
def annual_reminder() -> int:
    """Daily in January until the 31st: remind the treasurers while the authority report is not
    marked as sent."""
    from compliance.schedules import annual_reminder_send

    return annual_reminder_send()


@shared_task(name="compliance.tasks.nightly_checks", **JOB_OPTIONS)
def nightly_checks() -> dict[str, Any]:
    """Nightly: audit_verify and the mass balance; a failure mails the board."""
    from compliance.schedules import nightly_checks_run

    return nightly_checks_run()


@shared_task(name="compliance.tasks.retention_purge", **JOB_OPTIONS)
def retention_purge() -> dict[str, int]:
    """Nightly: erase or pseudonymise personal data past the rulebook's retention period."""
    from compliance.retention import retention_purge as purge

    return purge(actor=None)


@shared_task(name="compliance.tasks.checkpoint_daily", **JOB_OPTIONS)
def checkpoint_daily() -> dict[str, Any]:
    """Daily: a signed checkpoint of the audit chain, mailed to the elected auditors."""
    from compliance.schedules import checkpoint_daily_run

    return checkpoint_daily_run()
