"""Production settings: no secret has a default, and Django's deploy checks pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "csc.settings.production",
    "SECRET_KEY": "x7#Kq9!vLm2@Rt5$Wz8^Np3&Hd6*Jf1(Gs4)Bc0-Ye7+Ua9=Ti2~Xo5Qe8Rl",
    "CSC_PSEUDONYM_KEY": "pseudonyms-of-the-example-club",
    "ALLOWED_HOSTS": "club.example.org",
    "DATABASE_URL": "postgres://csc:pw@db.invalid:5432/csc",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PROD_ENV and k not in {"DEBUG", "CSC_VAR_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_production_settings(tmp_path: Path) -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PROD_ENV, "CSC_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "CSC_PSEUDONYM_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"]
)
def test_production_refuses_to_start_without(missing: str, tmp_path: Path) -> None:
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = run_manage("check", env={**env, "CSC_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert missing in result.stderr
