from typing import Any

from django.core.management.base import CommandError

from club.audit import audit_verify
from club.management.base import ClubCommand


class Command(ClubCommand):
    help = "Recompute the audit chain and cross-check it against the domain tables."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            where = f" at sequence {result.first_bad_seq}" if result.first_bad_seq else ""
            raise CommandError(f"audit chain verification failed{where}")
        self.stdout.write(
            f"audit chain ok: {result.events} events, head {result.head_seq} {result.head_hash}"
        )
