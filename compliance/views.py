"""The reports pages (treasurer and board): ask for a report, watch its progress, download it
with its SHA-256; and the schedules page, where the board sees and changes when jobs run."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from club.pages import call_service
from club.roles import Role, acts_as, role_required
from compliance import formatters
from compliance.models import ReportKind, ReportRun, ReportState
from compliance.periods import period_format, period_label
from compliance.services import report_mark_submitted, report_request, report_unsent

READERS = (Role.TREASURER, Role.BOARD)
# The register names every member: the board's alone.
BOARD_ONLY = frozenset({ReportKind.MEMBER_REGISTER})


def kinds_for(user: Any) -> list[tuple[str, str]]:
    board = acts_as(user, Role.BOARD)
    return [(k.value, str(k.label)) for k in ReportKind if board or k not in BOARD_ONLY]


def visible_runs(user: Any) -> Any:
    runs = ReportRun.objects.select_related("requested_by")
    if not acts_as(user, Role.BOARD):
        runs = runs.exclude(kind__in=BOARD_ONLY)
    return runs


def _run(request: HttpRequest, run_id: int) -> ReportRun:
    run = visible_runs(request.user).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


@role_required(*READERS)
def reports(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in dict(kinds_for(request.user)):
            messages.error(request, _("Choose a kind of report."))
            return redirect("compliance:reports")
        result = call_service(
            request,
            report_request,
            actor=request.user,
            kind=kind,
            period=request.POST.get("period", ""),
            new_version=bool(request.POST.get("new_version")),
        )
        if result is not None:
            run, created = result
            if not created:
                messages.info(request, _("This report exists already; here it is."))
            elif report_unsent(run.pk):
                messages.warning(
                    request,
                    _(
                        "The service that builds reports cannot be reached right now. Your "
                        "request is saved and the report is built as soon as it is back."
                    ),
                )
            return redirect("compliance:report", run_id=run.pk)
        return redirect("compliance:reports")
    return render(
        request,
        "compliance/reports.html",
        {
            "runs": visible_runs(request.user)[:100],
            "kinds": kinds_for(request.user),
            "formats": {k: period_format(k) for k, _label in kinds_for(request.user)},
        },
    )


@role_required(*READERS)
def report(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    template = (
        "compliance/_status.html" if request.headers.get("HX-Request") else "compliance/report.html"
    )
    return render(
        request,
        template,
        {
            "run": run,
            "data": run.data if run.state == ReportState.DONE else None,
            "period": period_label(run.kind, run.period_start, run.period_end),
            "chart": formatters.demand_chart(run.data["demand"])
            if run.state == ReportState.DONE and run.kind == ReportKind.ANNUAL_AUDIT
            else "",
        },
    )


def run_file_response(run: ReportRun) -> Any:
    if run.state != ReportState.DONE or not run.file:
        raise Http404
    name = (run.file.name or "").rsplit("/", 1)[-1].split("-", 2)[-1]
    response = FileResponse(
        run.file.open("rb"), filename=name, as_attachment=True, content_type=run.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Checksum-SHA256"] = run.sha256
    return response


@role_required(*READERS)
def report_file(request: HttpRequest, run_id: int) -> HttpResponse:
    return run_file_response(_run(request, run_id))


@role_required(*READERS)
def report_data(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    run = _run(request, run_id)
    if run.state != ReportState.DONE or fmt not in ("csv", "json"):
        raise Http404
    if run.kind == ReportKind.DISPENSING_EXPORT and fmt == "csv":
        return run_file_response(run)
    name = f"{run.kind}-{period_label(run.kind, run.period_start, run.period_end)}-v{run.version}"
    if fmt == "csv":
        response = HttpResponse(
            formatters.csv_bytes(run.kind, run.data), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            formatters.json_bytes(run, run.data), content_type="application/json"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@role_required(Role.TREASURER, Role.BOARD)
@require_POST
def report_submitted(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    if call_service(request, report_mark_submitted, actor=request.user, run_id=run.pk):
        messages.success(request, _("Marked as sent to the authority."))
    return redirect("compliance:report", run_id=run.pk)


@role_required(Role.BOARD)
def schedules(request: HttpRequest) -> HttpResponse:
    from compliance.schedules_admin import ScheduleForm, schedule_rows, schedule_set

    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            if call_service(request, schedule_set, actor=request.user, **form.cleaned_data):
                messages.success(request, _("The schedule was changed."))
            return redirect("compliance:schedules")
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("compliance:schedules")
    return render(request, "compliance/schedules.html", {"rows": schedule_rows()})
