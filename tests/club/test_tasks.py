"""Tasks run on a real Celery worker with Redis as the broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker

from club.audit import audit_verify
from club.tasks import audit_verify_task
from csc.celery import app
from tests.factories import make_club


@pytest.fixture
def celery_worker(settings) -> Iterator[None]:
    app.conf.update(
        task_always_eager=False, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(task_always_eager=True)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_audit_verify_task_runs_on_a_worker(celery_worker) -> None:
    make_club()
    result = audit_verify_task.delay().get(timeout=30)
    expected = audit_verify()
    assert result["ok"] is True
    assert result["events"] == expected.events > 0
    assert result["head_hash"] == expected.head_hash


def test_beat_schedules_the_nightly_verification() -> None:
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "club.tasks.audit_verify_task" in tasks
    assert "club.tasks.audit_verify_task" in app.tasks
