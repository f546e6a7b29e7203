"""Background jobs that survive redelivery and crashes.

A job row moves QUEUED → RUNNING → a final state by compare-and-set: ``job_claim`` turns QUEUED
into RUNNING in one UPDATE (or takes over a RUNNING job whose worker stopped sending heartbeats
for longer than the lease), so a task delivered twice runs once. Each claim raises the row's
``attempts``; later writes name that attempt, so a worker that lost its claim writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

QUEUED, RUNNING = "queued", "running"
log = logging.getLogger(__name__)


class LostClaim(Exception):
    """Another worker took the job over (this one was presumed dead)."""


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CSC_JOB_LEASE_SECONDS)


def job_claim(model: type[models.Model], pk: int) -> int | None:
    """Claim the job: its new attempt number, or None when it is not this worker's to run."""
    now = timezone.now()
    claimable = Q(state=QUEUED) | Q(state=RUNNING, heartbeat_at__lt=now - lease())
    updated = model._default_manager.filter(claimable, pk=pk).update(
        state=RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now
    )
    if not updated:
        return None
    manager: Any = model._default_manager
    return int(manager.filter(pk=pk).values_list("attempts", flat=True).get())


def job_beat(model: type[models.Model], pk: int, attempt: int, **values: Any) -> None:
    """A heartbeat (with progress or other values); raises LostClaim if the job was taken over."""
    updated = model._default_manager.filter(pk=pk, state=RUNNING, attempts=attempt).update(
        heartbeat_at=timezone.now(), **values
    )
    if not updated:
        raise LostClaim(f"{model._meta.label} {pk} attempt {attempt}")


def job_finish(model: type[models.Model], pk: int, attempt: int, **values: Any) -> bool:
    """Move the job to its final values if this attempt still holds it; False if it does not.
    Call inside the transaction that writes the job's results."""
    return bool(
        model._default_manager.filter(pk=pk, state=RUNNING, attempts=attempt).update(
            heartbeat_at=timezone.now(), **values
        )
    )


def jobs_stale(model: type[models.Model]) -> list[int]:
    """Jobs a lost message or a dead worker left behind: queued or running, and silent for
    longer than the lease. The recovery sweep sends their task again; the claim makes that safe."""
    cutoff = timezone.now() - lease()
    return list(
        model._default_manager.filter(
            Q(state=QUEUED, queued_at__lt=cutoff) | Q(state=RUNNING, heartbeat_at__lt=cutoff)
        ).values_list("pk", flat=True)
    )


def job_send(task: Any, pk: int) -> bool:
    """Send ``task`` for the job ``pk``. With the broker unreachable the job stays queued and
    nothing is lost: the recovery sweep sends it again once the broker answers. False when it
    was not sent."""
    try:
        task.delay(pk)
    except Exception as exc:  # kombu's OperationalError, redis' ConnectionError, a timeout ...
        log.warning("%s %s stays queued: the task broker is unreachable (%s)", task.name, pk, exc)
        return False
    return True
