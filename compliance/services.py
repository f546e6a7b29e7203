"""Report runs: asked for once per kind and period, built by a Celery task that a redelivery or
a crash cannot make build twice (``club.jobs``)."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from club import jobs
from club.audit import audit_record
from club.context import club_locale
from club.errors import ServiceError, StateConflict
from club.models import Club
from club.services import lock_one
from compliance import formatters, reports
from compliance.models import ReportKind, ReportRun, ReportState
from compliance.periods import period_label, period_parse

log = logging.getLogger(__name__)

GENERATORS: dict[str, Callable[..., dict[str, Any]]] = {
    ReportKind.ANNUAL_AUDIT: reports.annual_audit,
    ReportKind.AUTHORITY_ANNUAL: reports.authority_annual,
    ReportKind.DISPENSING_EXPORT: reports.dispensing_export,
    ReportKind.STOCK_MONTHLY: reports.stock_monthly,
    ReportKind.QUARTERLY: reports.quarterly,
    ReportKind.MEMBER_REGISTER: reports.member_register,
}


def report_request(
    *, actor: Any, kind: str, period: str, new_version: bool = False
) -> tuple[ReportRun, bool]:
    """The run of ``kind`` for ``period``, and whether it was created now.

    Asking again for a kind and period returns the existing run (a double click queues one
    build), unless ``new_version`` is set or the last version failed; older versions stay.
    Locks the club row, so two people asking at once get the same run.
    """
    if kind not in ReportKind.values:
        raise ServiceError("INVALID_KIND", _("Unknown kind of report."), status=400)
    start, end = period_parse(kind, period)
    with transaction.atomic():
        lock_one(Club.objects.all())
        runs = ReportRun.objects.filter(kind=kind, period_start=start, period_end=end)
        latest = runs.order_by("-version").first()
        if latest is not None and not new_version and latest.state != ReportState.FAILED:
            return latest, False
        version = (runs.aggregate(v=Max("version"))["v"] or 0) + 1
        run = ReportRun(
            kind=kind,
            period_start=start,
            period_end=end,
            version=version,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            language=club_locale()[1],
            queued_at=timezone.now(),
        )
        run.full_clean()
        run.save()
        audit_record(
            actor=actor,
            action="report.request",
            subject=run,
            payload={"kind": kind, "start": start, "end": end, "version": version},
        )
        run_id = run.pk
        transaction.on_commit(lambda: _send(run_id))
    return run, True


# Runs whose task could not be sent in this request or task (the broker was unreachable).
_UNSENT: ContextVar[frozenset[int]] = ContextVar("csc_unsent_reports", default=frozenset())


def _send(run_id: int) -> bool:
    """Send the run's task (``club.jobs.job_send``); a run left queued is noted for the page."""
    from compliance.tasks import report_build

    sent = jobs.job_send(report_build, run_id)
    if not sent:
        _UNSENT.set(_UNSENT.get() | {run_id})
    return sent


def report_unsent(run_id: int) -> bool:
    """Whether this request could not send the run's task (the page then says so)."""
    return run_id in _UNSENT.get()


def _title(run: ReportRun) -> str:
    return (
        f"{ReportKind(run.kind).label} {period_label(run.kind, run.period_start, run.period_end)}"
    )


def _chain_checkpoint() -> dict[str, Any]:
    """Sign the chain's head now (when the club has a checkpoint key) for the report to print."""
    from club.checkpoints import checkpoint_create, signed
    from club.selectors import audit_head

    try:
        checkpoint = checkpoint_create()
    except ServiceError:
        head = audit_head()
        return {"seq": head.seq, "hash": head.hash, "signed": ""}
    return {"seq": checkpoint.seq, "hash": checkpoint.hash, "signed": signed(checkpoint).text()}


def report_run_execute(*, run_id: int) -> str:
    """Build the report of a run: claim it (compare-and-set), gather its data, render its file
    outside any transaction, then store the file and finish the run in one transaction that
    only this attempt can commit. Returns the run's state."""
    attempt = jobs.job_claim(ReportRun, run_id)
    if attempt is None:
        return str(ReportRun.objects.values_list("state", flat=True).get(pk=run_id))
    run = ReportRun.objects.get(pk=run_id)
    delay = settings.CSC_REPORT_STEP_DELAY

    def step(percent: int) -> None:
        if delay:
            time.sleep(delay)
        jobs.job_beat(ReportRun, run_id, attempt, progress=min(percent, 95))

    saved_name = ""
    try:
        with translation.override(run.language or None):
            title = _title(run)
            step(1)
            # The chain head the report is built on, signed first: the report prints it.
            checkpoint = _chain_checkpoint()
            built = GENERATORS[run.kind](run.period_start, run.period_end, step)
            data = formatters.plain({**built, "checkpoint": checkpoint})
            if run.kind == ReportKind.DISPENSING_EXPORT:
                content, content_type, ext = _export_file(run), "text/csv", "csv"
            else:
                pdf = formatters.pdf_bytes(
                    run,
                    data,
                    title=title,
                    period=period_label(run.kind, run.period_start, run.period_end),
                )
                content, content_type, ext = ContentFile(pdf), "application/pdf", "pdf"
            step(96)
        digest, size = _digest(content)
        label = period_label(run.kind, run.period_start, run.period_end)
        name = f"{run.kind}-{label}-v{run.version}.{ext}"
        saved_name = default_storage.save(f"reports/{run.pk}-{attempt}-{name}", content)
        with transaction.atomic():
            done = jobs.job_finish(
                ReportRun,
                run_id,
                attempt,
                state=ReportState.DONE,
                progress=100,
                finished_at=timezone.now(),
                file=saved_name,
                content_type=content_type,
                size=size,
                sha256=digest,
                chain_seq=data["checkpoint"]["seq"],
                chain_hash=data["checkpoint"]["hash"],
                data=data,
                error="",
            )
            if done:
                audit_record(
                    actor=None,
                    action="report.done",
                    subject=run,
                    payload={
                        "sha256": digest,
                        "size": size,
                        "chain_seq": data["checkpoint"]["seq"],
                    },
                )
        if not done:
            default_storage.delete(saved_name)
            return str(ReportRun.objects.values_list("state", flat=True).get(pk=run_id))
        return ReportState.DONE
    except jobs.LostClaim:
        if saved_name:
            default_storage.delete(saved_name)
        return str(ReportRun.objects.values_list("state", flat=True).get(pk=run_id))
    except DatabaseError:
        # The database went away: give the run back to the queue; Celery retries with backoff.
        if saved_name:
            default_storage.delete(saved_name)
        ReportRun.objects.filter(pk=run_id, state=ReportState.RUNNING, attempts=attempt).update(
            state=ReportState.QUEUED
        )
        raise
    except Exception as exc:
        if saved_name:
            default_storage.delete(saved_name)
        # The message names the exception type only: a report's data is personal.
        log.exception("report run %s failed", run_id)
        with transaction.atomic():
            failed = jobs.job_finish(
                ReportRun,
                run_id,
                attempt,
                state=ReportState.FAILED,
                finished_at=timezone.now(),
                error=_("The report could not be built (%(error)s).")
                % {"error": type(exc).__name__},
            )
            if failed:
                audit_record(
                    actor=None,
                    action="report.fail",
                    subject=run,
                    payload={"error": type(exc).__name__},
                )
        return ReportState.FAILED


def _export_file(run: ReportRun) -> File:
    """The §26(2) export written row by row to a temporary file: a year of dispensings never
    sits in memory."""
    import io

    out = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (closed with the File after saving)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    formatters.csv_write(
        text,
        ["date", "age_group", "grams", "thc_percent", "cbd_percent", "strain"],
        reports.dispensing_export_rows(run.period_start, run.period_end),
    )
    text.flush()
    text.detach()
    out.seek(0)
    return File(out)


def _digest(content: File) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    content.seek(0)
    for chunk in content.chunks():
        sha.update(chunk)
        size += len(chunk)
    content.seek(0)
    return sha.hexdigest(), size


def reports_recover() -> list[int]:
    """Send the task again for runs a lost message or a dead worker left queued or running past
    the lease; the claim makes a duplicate delivery harmless."""
    stale = jobs.jobs_stale(ReportRun)
    for run_id in stale:
        _send(run_id)
    return stale


@transaction.atomic
def report_mark_submitted(*, actor: Any, run_id: int) -> ReportRun:
    """The treasurer records that the report went to the authority (this stops the reminders)."""
    run = lock_one(ReportRun.objects.filter(pk=run_id))
    if run.state != ReportState.DONE:
        raise StateConflict("REPORT_NOT_DONE", _("Only a finished report can be marked as sent."))
    if run.submitted_at is None:
        run.submitted_at = timezone.now()
        run.save(update_fields=["submitted_at"])
        audit_record(
            actor=actor, action="report.submit", subject=run, payload={"sha256": run.sha256}
        )
    return run


def report_files_mismatches() -> Any:
    """audit_verify's cross-check: every finished report's stored fingerprint is the one its
    'report.done' event recorded, and its file still hashes to it (a file swapped or edited on
    the server is named)."""
    import json

    from club.models import AuditEvent

    recorded = {
        e.subject_id: json.loads(e.payload).get("sha256")
        for e in AuditEvent.objects.filter(
            action="report.done", subject_type="compliance.reportrun"
        )
    }
    for run in ReportRun.objects.filter(state=ReportState.DONE).only("pk", "sha256", "file"):
        if recorded.get(str(run.pk)) != run.sha256:
            yield f"report {run.pk}: its SHA-256 is not the one its 'report.done' event recorded"
            continue
        try:
            with run.file.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except (OSError, ValueError):
            yield f"report {run.pk}: its file is missing"
            continue
        if digest != run.sha256:
            yield f"report {run.pk}: its file was changed after it was built"
