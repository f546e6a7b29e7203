"""JSON endpoints of the reports (API.md): ask for a report, watch it, download it."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from club.api_support import Id, Schema, caller, requires
from club.errors import ServiceError
from club.roles import Role
from compliance.models import ReportKind, ReportRun
from compliance.periods import period_label
from compliance.services import report_request

router = Router(tags=["reports"])
READERS = (Role.TREASURER, Role.BOARD)


class ReportIn(Schema):
    kind: ReportKind
    period: str = Field(
        min_length=4,
        max_length=10,
        description="2025 (annual kinds), 2025-03 (stock_monthly), 2025-Q1 (quarterly), "
        "2025-12-31 (member_register, as of that day)",
    )
    new_version: bool = Field(False, description="build again even if this period has a report")


def run_out(run: ReportRun) -> dict[str, Any]:
    done = run.state == "done"
    return {
        "id": run.pk,
        "kind": run.kind,
        "period": period_label(run.kind, run.period_start, run.period_end),
        "period_start": run.period_start,
        "period_end": run.period_end,
        "version": run.version,
        "status": run.state,
        "progress": run.progress,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "error": run.error,
        "sha256": run.sha256 or None,
        "size": run.size if done else None,
        "content_type": run.content_type or None,
        "chain_checkpoint": {
            "seq": run.chain_seq,
            "hash": run.chain_hash,
            "signed": (run.data or {}).get("checkpoint", {}).get("signed") or None,
        }
        if done
        else None,
        "submitted_at": run.submitted_at,
        "download": reverse("api-v1:report_file", args=[run.pk]) if done else None,
    }


@router.post(
    "/reports",
    response={200: dict, 202: dict},
    auth=requires(*READERS),
    summary="Ask for a report (kind and period); 202 with its id, 200 if it already exists",
)
def report_new(request: HttpRequest, payload: ReportIn) -> Status:
    from compliance.views import kinds_for

    if payload.kind.value not in dict(kinds_for(caller(request))):
        raise ServiceError("FORBIDDEN", _("Your role does not allow this report."), status=403)
    run, created = report_request(
        actor=caller(request),
        kind=payload.kind.value,
        period=payload.period,
        new_version=payload.new_version,
    )
    return Status(202 if created else 200, run_out(run))


def _run(request: HttpRequest, id: int) -> ReportRun:
    from compliance.views import visible_runs

    run = visible_runs(caller(request)).filter(pk=id).first()
    if run is None:
        raise Http404
    return run


@router.get("/reports", response=list[dict], auth=requires(*READERS), summary="Report runs")
def report_list(request: HttpRequest) -> list[dict[str, Any]]:
    from compliance.views import visible_runs

    return [run_out(r) for r in visible_runs(caller(request))[:200]]


@router.get(
    "/reports/{id}", response=dict, auth=requires(*READERS), summary="Status of a report run"
)
def report_get(request: HttpRequest, id: Id) -> dict[str, Any]:
    return run_out(_run(request, id))


@router.get(
    "/reports/{id}/file",
    auth=requires(*READERS),
    url_name="report_file",
    summary="The report's file, as an attachment",
)
def report_file(request: HttpRequest, id: Id) -> FileResponse:
    from compliance.views import run_file_response

    return run_file_response(_run(request, id))
