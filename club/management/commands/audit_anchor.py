"""`manage.py audit_anchor`: put on the audit chain every covered row it holds no digest for (a
database from before record digests), in one event. Rows whose digest differs stay named."""

from __future__ import annotations

from typing import Any

from club.management.base import ClubCommand
from club.services import records_anchor


class Command(ClubCommand):
    help = "Record the digest of every covered row the audit chain does not cover yet."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = records_anchor(actor=None)
        if not counts:
            self.stdout.write("every covered row is on the chain already")
            return
        for table, count in sorted(counts.items()):
            self.stdout.write(f"{table}: {count} row(s) anchored")
        self.stdout.write(f"{sum(counts.values())} row(s) anchored in one audit event")
