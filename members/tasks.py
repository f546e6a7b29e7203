from __future__ import annotations

from celery import shared_task

from club.tasks_base import JOB_OPTIONS
from members.services import import_job_run, member_endings_apply


@shared_task(name="members.tasks.member_import_run", **JOB_OPTIONS)
def member_import_run(job_id: int) -> str:
    """Dry run or commit of a register import."""
    return import_job_run(job_id=job_id)


@shared_task(name="members.tasks.member_endings_apply_task")
def member_endings_apply_task() -> int:
    """Daily: end the memberships whose resignation date has come."""
    return member_endings_apply()
