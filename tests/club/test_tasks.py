"""Tasks run on a real Celery worker with Redis as the broker."""

from __future__ import annotations

import pytest

from club.audit import audit_verify
from compliance.tasks import nightly_checks
from csc.celery import app
from tests.factories import make_club


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_nightly_audit_verify_runs_on_a_worker(celery_worker) -> None:
    make_club()
    result = nightly_checks.delay().get(timeout=30)
    expected = audit_verify()
    assert result["audit_ok"] is True
    assert result["events"] == expected.events > 0


@pytest.mark.django_db
def test_beat_schedules_live_in_the_database_as_crontabs() -> None:
    from django_celery_beat.models import PeriodicTask

    from compliance.schedules import DEFAULTS, schedules_ensure

    schedules_ensure()  # after migrate it has run already; a second call adds nothing
    assert schedules_ensure() == 0
    app.loader.import_default_modules()  # what a worker does at start: every tasks.py
    entries = {t.name: t for t in PeriodicTask.objects.select_related("crontab")}
    assert set(entries) == {d.name for d in DEFAULTS}
    for entry in entries.values():
        assert entry.crontab is not None and entry.interval is None
        assert entry.task in app.tasks, entry.task
    stock = entries["stock-reconciliation"].crontab
    assert (stock.minute, stock.hour, stock.day_of_month) == ("0", "4", "1")
    reminder = entries["annual-reminder"].crontab
    assert (reminder.day_of_month, reminder.month_of_year) == ("3-31", "1")
