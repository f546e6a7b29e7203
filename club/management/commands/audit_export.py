"""`manage.py audit_export FILE`: the audit chain, the club's signed checkpoints and every record
the chain covers, as JSON lines, for `python -m csc.verify FILE` on an auditor's machine (no
database, no settings needed). Audit payloads hold ids and values, never personal data; a record
holds the exact content its digest was taken over, personal values as keyed pseudonyms."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from club import digests
from club.management.base import ClubCommand
from club.models import AuditEvent, Checkpoint
from club.selectors import club_get


class Command(ClubCommand):
    help = "Write the audit chain and its checkpoints to FILE (JSON lines) for csc.verify."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        club = club_get()
        count = 0
        with open(options["file"], "w", encoding="utf-8") as out:
            header = {
                "kind": "csc-audit-export",
                "version": 1,
                "club": club.name if club else "",
                "exported_at": timezone.now().isoformat(),
            }
            out.write(json.dumps(header, ensure_ascii=False) + "\n")
            for ev in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
                line = {
                    "kind": "event",
                    "seq": ev.seq,
                    "at": ev.at.isoformat(),
                    "actor": ev.actor_id,
                    "action": ev.action,
                    "subject_type": ev.subject_type,
                    "subject_id": ev.subject_id,
                    "payload": ev.payload,
                    "prev_hash": ev.prev_hash,
                    "hash": ev.hash,
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
            for c in Checkpoint.objects.order_by("seq", "pk"):
                line = {
                    "kind": "checkpoint",
                    "seq": c.seq,
                    "hash": c.hash,
                    "at": c.at.isoformat(),
                    "public_key": c.public_key,
                    "signature": c.signature,
                }
                out.write(json.dumps(line) + "\n")
            out.write(json.dumps({"kind": "tables", "tables": digests.tables()}) + "\n")
            records = 0
            for model in digests.covered_models():
                table, pk_name = model._meta.db_table, model._meta.pk.attname
                for row in digests.live_rows(model):
                    line = {
                        "kind": "record",
                        "record": digests.key(model, row[pk_name]),
                        "table": table,
                        "key": str(row[pk_name]),
                        "content": digests.content(model, row),
                    }
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
                    records += 1
        self.stdout.write(f"{count} events and {records} records written to {options['file']}")
