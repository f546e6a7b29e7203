from __future__ import annotations

from celery import shared_task

from club.tasks_base import JOB_OPTIONS
from governance.services import invitations_send


@shared_task(name="governance.tasks.send_invitations")
def send_invitations(assembly_id: int) -> int:
    """Send the invitations of a convened assembly, one e-mail per member."""
    return invitations_send(assembly_id=assembly_id)


@shared_task(name="governance.tasks.build_minutes", **JOB_OPTIONS)
def build_minutes(assembly_id: int) -> str:
    """Build the minutes PDF of a closed assembly; returns its SHA-256."""
    from governance.minutes import minutes_build

    return minutes_build(assembly_id=assembly_id).sha256
