"""What every background job shares: redelivery-safe acknowledgement, retries with backoff on a
lost database or broker connection, and time limits (the club's timezone and language come from
the task signals in ``club.signals``)."""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError

JOB_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError, ConnectionError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}
