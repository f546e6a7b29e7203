from __future__ import annotations

from celery import shared_task

from finance.fees import fees_charge


@shared_task(name="finance.tasks.fees_charge_task")
def fees_charge_task() -> int:
    """Charge the membership fee of the current period (daily in beat; charges once)."""
    return fees_charge()
