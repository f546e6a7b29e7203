from __future__ import annotations

from celery import shared_task

from prevention.services import certificate_reminders_send


@shared_task(name="prevention.tasks.certificate_reminders_task")
def certificate_reminders_task() -> int:
    """Daily: remind before the prevention officer's training certificate lapses."""
    return certificate_reminders_send()
