from __future__ import annotations

from celery import shared_task

from club.tasks_base import JOB_OPTIONS
from finance.fees import fees_charge


@shared_task(name="finance.tasks.fees_charge_task", **JOB_OPTIONS)
def fees_charge_task() -> int:
    """Charge the membership fee of the current period (daily in beat; charges once)."""
    return fees_charge()
