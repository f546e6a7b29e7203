"""Issue 15, point 3: `backup` and `restore` round trip on PostgreSQL. The restored database passes
audit_verify against the backup's checkpoint, keeps the uploads, and serves the counter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from club.checkpoints import checkpoint_create
from finance.chart import ensure as chart_ensure
from tests.factories import dispense, make_club, make_lot, make_member, make_user, set_rules
from tests.servers import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]

SERVE_THE_COUNTER = """
import django; django.setup()
from django.test import Client
from club.models import User
from members.models import Member
from harvests.models import Lot
from dispensing.services import dispensing_record
from club.audit import audit_verify
clerk = User.objects.get(email="clerk@test.example")
member = Member.objects.get(last_name="Restored")
c = Client()
c.force_login(clerk)
r = c.get("/counter/")
assert r.status_code == 200, r.status_code
r = c.get(f"/counter/members/{member.number}/")
assert r.status_code == 200 and b"Restored" in r.content, r.status_code
lot = Lot.objects.get(code=LOT)
d = dispensing_record(actor=clerk, member_number=member.number, lot_code=lot.code, grams="1",
                      id_checked=True, idempotency_key=None)
assert audit_verify().ok
print("counter ok", d.dispensing.receipt)
"""


def _python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def restored_db() -> Any:
    name = settings.DATABASES["default"]["NAME"] + "_restored"
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    yield name
    connection.close()
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_verifies_and_serves_the_counter(tmp_path: Path, restored_db) -> None:
    make_club()
    chart_ensure()
    set_rules("DE")
    make_user(roles=("counter",), mfa=True, email="clerk@test.example")
    member = make_member(last_name="Restored")
    lot = make_lot(grams="50", thc="9")
    dispense(member, lot, "2")
    upload = Path(settings.MEDIA_ROOT) / "minutes" / "2026" / "minutes-1.pdf"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"%PDF-1.7 the minutes")
    checkpoint_create()

    folder = tmp_path / "backup"
    call_command("backup", to=str(folder))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == {"db.dump", "media.tar.gz", "checkpoints.txt"}
    keys = (folder / "checkpoints.txt").read_text()
    assert "key " in keys and "csc-checkpoint" in keys
    assert "PRIVATE" not in keys and settings.CSC_CHECKPOINT_KEY not in keys

    media = tmp_path / "restored-media"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csc.settings",
        "DATABASE_URL": database_url(restored_db),
        "MEDIA_ROOT": str(media),
        "CSC_VAR_DIR": str(tmp_path / "var"),
        "CSC_CHECKPOINT_KEY": settings.CSC_CHECKPOINT_KEY,
        "CSC_PSEUDONYM_KEY": settings.CSC_PSEUDONYM_KEY,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    env.pop("REDIS_URL", None)
    done = _python(env, "manage.py", "restore", "--from", str(folder))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "audit chain ok" in done.stdout and "kept checkpoint(s) match" in done.stdout
    assert (media / "minutes" / "2026" / "minutes-1.pdf").read_bytes() == b"%PDF-1.7 the minutes"

    served = _python(env, "-c", SERVE_THE_COUNTER.replace("LOT", repr(lot.code)))
    assert served.returncode == 0, served.stderr[-2000:]
    assert "counter ok" in served.stdout


def test_a_backup_that_was_altered_is_refused(tmp_path: Path) -> None:
    make_club()
    folder = tmp_path / "backup"
    call_command("backup", to=str(folder))
    with (folder / "db.dump").open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("restore", source=str(folder))
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", to=str(folder))
