"""`make backup`: the database, the uploads and the checkpoints' public halves, in one folder.

PostgreSQL is dumped with ``pg_dump --format=custom`` (the client must be at least the server's
major version); the demo's SQLite file is copied through SQLite's online backup. The uploads
(minutes, reports, documents) go into ``media.tar.gz``. ``checkpoints.txt`` holds every signed
checkpoint line with its public key, so whoever restores can check the chain against them
without the private key (which never leaves the environment). ``manifest.json`` holds each
file's SHA-256; ``restore`` refuses a folder whose files do not match it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

FORMAT = "csc-backup-v1"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_env() -> dict[str, str]:
    """libpq's variables for the default database (no password on a command line)."""
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    return env


def run_tool(args: list[str], env: dict[str, str]) -> None:
    if shutil.which(args[0]) is None:
        raise CommandError(f"{args[0]} is not installed (Debian: postgresql-client)")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise CommandError(f"{args[0]} failed: {done.stderr.strip()[-500:]}")


class Command(BaseCommand):
    help = "Back up the database, the uploads and the checkpoints' public keys to a folder."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--to", default="", help="the folder (default var/backups/<time>)")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = Path(options["to"] or Path(settings.VAR_DIR) / "backups" / stamp)
        if folder.exists() and any(folder.iterdir()):
            raise CommandError(f"{folder} is not empty")
        folder.mkdir(parents=True, exist_ok=True)
        files: list[Path] = []
        if connection.vendor == "postgresql":
            dump = folder / "db.dump"
            run_tool(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump)], pg_env())
        elif connection.vendor == "sqlite":
            dump = folder / "db.sqlite3"
            source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
            target = sqlite3.connect(str(dump))
            with target:
                source.backup(target)
            source.close()
            target.close()
        else:  # pragma: no cover
            raise CommandError(f"no backup for {connection.vendor}")
        files.append(dump)
        media = folder / "media.tar.gz"
        with tarfile.open(media, "w:gz") as tar:
            root = Path(settings.MEDIA_ROOT)
            if root.exists():
                tar.add(str(root), arcname="media")
        files.append(media)
        keys = folder / "checkpoints.txt"
        keys.write_text(self._checkpoints(), encoding="utf-8")
        files.append(keys)
        manifest = {
            "format": FORMAT,
            "created_at": stamp,
            "database": connection.vendor,
            "files": {f.name: sha256_file(f) for f in files},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        self.stdout.write(f"backup written to {folder}")

    def _checkpoints(self) -> str:
        from club.checkpoints import configured_public_key, signed, stored_checkpoints

        lines = [
            "# The audit chain's signed checkpoints (one per line) and the public keys that",
            "# signed them. Check a restored database with:",
            "#   manage.py audit_verify --checkpoint '<line>' --key <public key>",
        ]
        current = configured_public_key()
        keys = sorted(
            {c.public_key for c in stored_checkpoints()} | ({current} if current else set())
        )
        lines += [f"key {k}" for k in keys]
        lines += [signed(c).text() for c in stored_checkpoints()]
        return "\n".join(lines) + "\n"
