"""`make restore FROM=<folder>`: put a backup back, then prove it with `audit_verify`.

The folder's files must match its manifest. PostgreSQL: ``pg_restore --clean --if-exists
--no-owner`` into the configured database (its tables are replaced); SQLite: the file is copied
over the configured one. The uploads are unpacked into MEDIA_ROOT (files of the same name are
replaced; an archive member that would land outside it is refused). Then the chain and every
record digest are verified, against the backup's checkpoints too; a failure exits non-zero.
"""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from club.management.commands.backup import FORMAT, pg_env, run_tool, sha256_file


class Command(BaseCommand):
    help = "Restore a folder written by `backup`, then verify the audit chain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="source", required=True, help="the backup folder")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["source"])
        manifest = self._checked_manifest(folder)
        if manifest["database"] != connection.vendor:
            raise CommandError(
                f"the backup is of {manifest['database']}, this database is {connection.vendor}"
            )
        if connection.vendor == "postgresql":
            connection.close()
            run_tool(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    "--dbname",
                    pg_env().get("PGDATABASE", ""),
                    str(folder / "db.dump"),
                ],
                pg_env(),
            )
        else:
            connection.close()
            shutil.copyfile(folder / "db.sqlite3", settings.DATABASES["default"]["NAME"])
        self._unpack_media(folder / "media.tar.gz")
        lines = (folder / "checkpoints.txt").read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.startswith("csc-checkpoint")]
        call_command("audit_verify", *[f"--checkpoint={line}" for line in kept[-1:]])
        self.stdout.write(f"restored from {folder}")

    def _checked_manifest(self, folder: Path) -> dict[str, Any]:
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{folder}: no readable manifest.json ({exc})") from exc
        if manifest.get("format") != FORMAT:
            raise CommandError(f"{folder}: not a csc backup")
        for name, digest in manifest["files"].items():
            path = folder / name
            if not path.is_file() or sha256_file(path) != digest:
                raise CommandError(f"{folder}: {name} is missing or does not match the manifest")
        return dict(manifest)

    def _unpack_media(self, archive: Path) -> None:
        root = Path(settings.MEDIA_ROOT).resolve()
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                if not (member.isfile() or member.isdir()):
                    raise CommandError(f"media archive: {member.name} is not a file or folder")
                relative = (
                    Path(member.name).relative_to("media") if member.name != "media" else None
                )
                if relative is None:
                    continue
                target = (root / relative).resolve()
                if not target.is_relative_to(root):
                    raise CommandError(f"media archive: {member.name} would land outside media")
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                if source is None:  # pragma: no cover
                    continue
                with source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
