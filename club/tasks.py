from __future__ import annotations

from typing import Any

from celery import shared_task

from club.audit import audit_verify


@shared_task(name="club.tasks.audit_verify_task")
def audit_verify_task() -> dict[str, Any]:
    """Nightly: recompute the audit chain. The result names the first bad sequence number."""
    result = audit_verify()
    return {
        "ok": result.ok,
        "events": result.events,
        "head_seq": result.head_seq,
        "head_hash": result.head_hash,
        "first_bad_seq": result.first_bad_seq,
        "problems": result.problems[:50],
    }
