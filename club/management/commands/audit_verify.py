from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from club.audit import audit_verify
from club.checkpoints import parse
from club.management.base import ClubCommand


class Command(ClubCommand):
    help = (
        "Recompute the audit chain and cross-check it against the domain tables; with "
        "--checkpoint, also against signed checkpoints an auditor kept."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="TEXT|FILE",
            help="a checkpoint line (csc-checkpoint-v1 ...) or a file holding one; repeatable",
        )
        parser.add_argument(
            "--key", default="", help="the public key (hex) the auditor trusts for checkpoints"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kept = [parse(text) for text in options["checkpoint"]]
        except ValueError as exc:
            raise CommandError(f"--checkpoint: {exc}") from exc
        result = audit_verify(checkpoints=kept, trusted_key=options["key"])
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            where = f" at sequence {result.first_bad_seq}" if result.first_bad_seq else ""
            raise CommandError(f"audit chain verification failed{where}")
        checked = f", {len(kept)} kept checkpoint(s) match" if kept else ""
        self.stdout.write(
            f"audit chain ok: {result.events} events, head {result.head_seq} {result.head_hash}"
            f"{checked}"
        )
