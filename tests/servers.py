"""The app served as in production, by gunicorn with deploy/gunicorn.conf.py, in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url(name: str = "") -> str:
    """The URL of the database the test runs on (the test database, not the configured one),
    or of another database ``name`` on the same server."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}"
    return f"postgres://{host}/{name or db['NAME']}"


def get(url: str, headers: dict[str, str] | None = None) -> int:
    """The status of a GET (a 4xx or 5xx is a status too, not an exception)."""
    import urllib.error

    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@contextmanager
def gunicorn(
    tmp_path: Path, *, env: dict[str, str], access_log: Path | None = None
) -> Iterator[str]:
    """Serve the app with the production gunicorn config (one worker); yields its base URL."""
    port = free_port()
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csc.settings",
        "CSC_VAR_DIR": str(tmp_path / "var"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    for key in ("DATABASE_URL", "REDIS_URL"):
        full_env.pop(key, None)
    full_env.update(env)
    args = [sys.executable, "-m", "gunicorn", "csc.wsgi:application"]
    args += ["--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
    if access_log is not None:
        args += ["--access-logfile", str(access_log)]
    proc = subprocess.Popen(  # noqa: S603
        args, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with suppress(OSError):
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310
                break
            if time.monotonic() > deadline or proc.poll() is not None:
                err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                pytest.fail(f"gunicorn did not start: {err}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
