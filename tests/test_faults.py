"""Issue 15, point 2: the app survives its parts failing. Each test really stops, fills or
restarts the part: a full disk under the uploads, PostgreSQL restarted between two requests, and
Redis stopped and started again (a private Redis on its own port, so the rest of the suite keeps
its own). Marked ``fault``: `pytest -m fault` runs them alone; CI runs them with the rest."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from club.roles import Role
from finance.chart import ensure as chart_ensure
from finance.models import Expense
from tests.conftest import need
from tests.factories import make_club, make_user
from tests.servers import free_port

pytestmark = [pytest.mark.fault]
ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.7\n" + b"x" * 300_000  # a scanned receipt of 300 kB


@pytest.fixture
def full_disk(tmp_path: Path, settings: Any) -> Any:
    """MEDIA_ROOT on a 256 kB tmpfs: an upload of 300 kB cannot fit."""
    mount = tmp_path / "media"
    mount.mkdir()
    done = subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    need(done.returncode == 0, f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    settings.MEDIA_ROOT = str(mount)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)  # noqa: S603, S607


def _book_expense(client: Any, receipt: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/finance/expenses/new/",
        {
            "spent_on": dt.date.today().isoformat(),
            "account_code": "6900",
            "amount": "12.50",
            "supplier": "Gartenbedarf",
            "description": "Pots",
            "paid_from": "1200",
            "document": SimpleUploadedFile("receipt.pdf", receipt, content_type="application/pdf"),
        },
    )


@pytest.mark.django_db
def test_a_full_disk_refuses_an_upload_clearly_and_leaves_nothing(client, full_disk) -> None:
    make_club()
    chart_ensure()
    client.force_login(make_user(roles=(Role.TREASURER,), mfa=True))
    response = _book_expense(client, PDF)
    assert response.status_code in (200, 400, 507)
    assert "no room left for files" in response.content.decode()
    assert not Expense.objects.exists()  # the booking rolled back with the file
    assert [p.name for p in full_disk.rglob("*") if p.is_file()] == []  # no partial file
    # The same booking with a small receipt goes through, since it fits.
    small = b"%PDF-1.7\n" + b"y" * 1000
    response = _book_expense(client, small)
    assert response.status_code == 302
    expense = Expense.objects.get()
    assert expense.document and Path(expense.document.path).read_bytes() == small


def _pg_restart() -> None:
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    need(bool(versions) and shutil.which("pg_ctlcluster") is not None, "no local cluster")
    version = versions[-1].name
    done = subprocess.run(  # noqa: S603
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    need(done.returncode == 0, f"cannot restart PostgreSQL here: {done.stderr.strip()}")
    for _ in range(60):
        ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False)  # noqa: S607
        if ready.returncode == 0:
            return
        time.sleep(0.5)
    pytest.fail("PostgreSQL did not come back")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_restarted_between_requests_the_next_request_works(tmp_path: Path) -> None:
    """Served as in production: gunicorn keeps its database connection 60 s. After the restart
    that connection is dead; the health check before the next request replaces it, so the
    counter's tablet sees no error."""
    from club.services import api_token_create
    from tests.servers import database_url, get, gunicorn

    make_club()
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    _token, plain = api_token_create(user=clerk, name="counter tablet")
    auth = {"Authorization": f"Bearer {plain}"}
    env = {"DATABASE_URL": database_url(), "CONN_MAX_AGE": "60"}
    with gunicorn(tmp_path, env=env) as base:
        assert get(f"{base}/api/v1/me", auth) == 200
        assert get(f"{base}/api/v1/me", auth) == 200  # the same kept connection
        _pg_restart()
        assert get(f"{base}/api/v1/me", auth) == 200  # a new connection, no error
    connection.close()


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test stops and starts."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [  # noqa: S607
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        for _ in range(50):
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        pytest.fail("the private Redis did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def private_redis(tmp_path: Path, settings: Any) -> Any:
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    from django.core.cache import caches

    from csc.celery import app

    server = PrivateRedis(tmp_path)
    server.start()
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    settings.CACHES = {
        "default": {
            "BACKEND": "club.cache.FailoverRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "csc-fault",
        }
    }
    caches._settings = None  # type: ignore[attr-defined]
    app.conf.update(broker_url=server.url, result_backend=server.url, task_always_eager=False)
    _fresh_celery_connections(app)
    try:
        yield server
    finally:
        server.stop()
        app.conf.update(**saved)
        _fresh_celery_connections(app)


def _fresh_celery_connections(app: Any) -> None:
    """Celery keeps the producer pool of the broker URL it first saw: look the pool up again
    after the URL changed (the old one stays open for the suite's own Redis)."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_counter_and_sign_in_work_and_reports_wait_for_it(
    client, private_redis, settings
) -> None:
    from celery.contrib.testing.worker import start_worker
    from django.test import Client

    from compliance.models import ReportRun
    from compliance.services import reports_recover
    from csc.celery import app
    from tests.factories import PASSWORD, dispense, make_lot, make_member, set_rules

    make_club()
    chart_ensure()
    set_rules("DE")
    member = make_member(email="walk-in@test.example")
    lot = make_lot(grams="100", thc="9")
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)

    private_redis.stop()  # Redis is down from here on

    # Sign-in works (its rate limits fall back to the process's memory).
    signed = Client().post(
        "/accounts/login/", {"login": "walk-in@test.example", "password": PASSWORD}
    )
    assert signed.status_code == 302 and "/accounts/login/" not in signed["Location"]
    # The counter keeps dispensing.
    client.force_login(clerk)
    assert client.get(f"/counter/members/{member.number}/").status_code == 200
    served = client.post(
        f"/counter/members/{member.number}/dispense/",
        {"lot": lot.code, "grams": "2", "id_checked": "on", "idempotency_key": "fault-1"},
    )
    assert served.status_code in (200, 302), served.status_code
    assert member.dispensings.count() == 1
    dispense(member, lot, "1")  # and the service itself, of course
    # A report request says clearly that it has to wait, and loses nothing.
    client.force_login(treasurer)
    asked = client.post(
        "/reports/", {"kind": "annual_audit", "period": str(dt.date.today().year - 1)}, follow=True
    )
    assert asked.status_code == 200
    assert "cannot be reached right now" in asked.content.decode()
    run = ReportRun.objects.get()
    assert run.state == "queued"

    # Redis is back: the recovery sweep (a beat job every five minutes) sends it to a worker.
    private_redis.start()  # the same port: the app's connections find it again by themselves
    settings.CSC_JOB_LEASE_SECONDS = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert run.pk in reports_recover()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.state == "done":
                break
            time.sleep(0.3)
    assert run.state == "done", run.state
