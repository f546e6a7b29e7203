"""Reports on real Celery workers with Redis: built through the API, in the club's timezone, and
exactly once when a worker dies mid-report or a task is delivered twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import formats, timezone, translation

from club.models import AuditEvent, Club
from compliance.models import ReportRun
from compliance.services import report_request, reports_recover
from csc.celery import app
from tests.compliance.conftest import YEAR, build_year
from tests.factories import auth_headers, make_club, make_user
from tests.pdfs import pdf_text

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def _state(run_id: int) -> tuple[str, int]:
    run = ReportRun.objects.get(pk=run_id)
    return run.state, run.progress


def test_a_report_asked_through_the_api_is_built_by_the_worker(client, celery_worker) -> None:
    make_club()
    build_year()
    Club.objects.update(timezone="America/Montevideo")  # three hours behind UTC
    treasurer = make_user(roles=("treasurer",), mfa=True)
    headers = auth_headers(treasurer)
    response = client.post(
        "/api/v1/reports",
        json.dumps({"kind": "annual_audit", "period": str(YEAR)}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    wait_until(lambda: _state(run_id)[0] in ("done", "failed"), timeout=60, what="the report")
    status = client.get(f"/api/v1/reports/{run_id}", headers=headers).json()
    assert status["status"] == "done", status["error"]
    data = b"".join(client.get(status["download"], headers=headers).streaming_content)
    assert hashlib.sha256(data).hexdigest() == status["sha256"]
    text = pdf_text(data)
    assert "Total income 180.00" in text and "Total expenses 80.00" in text
    assert "Nordlicht 250.00 8.00 10.00 0.00 → 82.00 9.00 1.00 0.00" in text
    # Printed in the club's timezone and language, not the worker's UTC.
    run = ReportRun.objects.get(pk=run_id)
    club = Club.objects.get()
    with translation.override(club.language or settings.LANGUAGE_CODE):
        club_times = {
            formats.date_format(t.astimezone(zoneinfo.ZoneInfo(club.timezone)), "DATETIME_FORMAT")
            for t in (run.started_at, run.finished_at)
            if t is not None
        }
        assert run.finished_at is not None
        utc = formats.date_format(run.finished_at.astimezone(dt.UTC), "DATETIME_FORMAT")
    assert any(t in text for t in club_times), (club_times, text[-200:])
    assert utc not in text


# --- A worker killed mid-report -------------------------------------------------------------


def _database_url() -> str:
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD'] or 'x'}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


LEASE = 3


@pytest.fixture
def worker_process(settings: Any) -> Iterator[Callable[[str], subprocess.Popen]]:
    """Start `celery worker` processes on the test database; all are killed at the end."""
    settings.CSC_JOB_LEASE_SECONDS = LEASE  # here as in the workers
    started: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csc.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CSC_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CSC_REPORT_STEP_DELAY": "1",
        "CSC_JOB_LEASE_SECONDS": str(LEASE),
        "CELERY_VISIBILITY_TIMEOUT": "4",
    }

    def start(name: str) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "csc",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@csc-test",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    app.conf.update(
        task_always_eager=False, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL
    )
    app.control.purge()
    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        app.control.purge()
        app.conf.update(task_always_eager=True)


@pytest.mark.postgres
def test_a_worker_killed_mid_report_yields_exactly_one_finished_report(
    worker_process, settings
) -> None:
    make_club()
    build_year()
    run, created = report_request(actor=None, kind="authority_annual", period=str(YEAR))
    assert created
    first = worker_process("first")
    wait_until(
        lambda: _state(run.pk) == ("running", 1) or _state(run.pk)[1] > 1,
        timeout=60,
        what="the first worker to start the report",
    )
    assert _state(run.pk)[0] == "running"
    os.killpg(first.pid, signal.SIGKILL)  # no shutdown, no acknowledgement
    first.wait(timeout=10)
    second = worker_process("second")
    time.sleep(LEASE + 1)
    # The lost message is redelivered by Redis after its visibility timeout; the recovery sweep
    # sends the task once more. Whichever arrives first takes the run over; the other finds it
    # running or done and does nothing.
    reports_recover()
    wait_until(lambda: _state(run.pk)[0] == "done", timeout=90, what="the second worker")
    time.sleep(5)  # let any further delivery arrive and find the run done
    assert second.poll() is None, second.stderr.read().decode()[-2000:] if second.stderr else ""
    run.refresh_from_db()
    assert run.state == "done" and run.attempts == 2
    files = list((Path(settings.MEDIA_ROOT) / "reports").rglob(f"{run.pk}-*"))
    assert [f.name for f in files] == [Path(run.file.name or "").name]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == run.sha256
    done_events = AuditEvent.objects.filter(
        action="report.done", subject_type="compliance.reportrun", subject_id=str(run.pk)
    )
    assert done_events.count() == 1
    assert "Nordlicht" in pdf_text(files[0].read_bytes())


def test_a_task_delivered_twice_builds_once(celery_worker) -> None:
    from compliance.tasks import report_build

    make_club()
    run, _created = report_request(actor=None, kind="authority_annual", period=str(YEAR))
    wait_until(lambda: _state(run.pk)[0] == "done", timeout=60, what="the report")
    assert report_build.delay(run.pk).get(timeout=30) == "done"
    run.refresh_from_db()
    assert run.attempts == 1
    assert AuditEvent.objects.filter(action="report.done", subject_id=str(run.pk)).count() == 1
    assert run.finished_at is not None and timezone.now() >= run.finished_at
