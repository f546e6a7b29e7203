"""Build a report now, in this process: `manage.py report_build annual_audit 2025`."""

from __future__ import annotations

import resource
import time
from typing import Any

from django.core.management.base import CommandError

from club.errors import ServiceError
from club.management.base import ClubCommand
from compliance.models import ReportKind, ReportRun
from compliance.services import report_request, report_run_execute


class Command(ClubCommand):
    help = "Build a report of a kind for a period (2025, 2025-03, 2025-Q1, 2025-12-31)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=ReportKind.values)
        parser.add_argument("period")
        parser.add_argument("--new-version", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        try:
            run, _created = report_request(
                actor=None,
                kind=options["kind"],
                period=options["period"],
                new_version=options["new_version"],
            )
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        report_run_execute(run_id=run.pk)  # a no-op if a worker already built it
        run = ReportRun.objects.get(pk=run.pk)
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"{run.kind} {options['period']} v{run.version}: {run.state} in {elapsed:.1f} s, "
            f"peak memory {peak_mb:.0f} MB, {run.size} bytes, sha256 {run.sha256 or '-'}"
        )
        if run.state != "done":
            raise CommandError(run.error or run.state)
