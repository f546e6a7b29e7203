"""Pages of the members app: applying, the member portal, the board's and the counter's pages."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from club.errors import ServiceError
from club.pages import call_service, refusal_on_form
from club.quantities import parse_grams
from club.ratelimit import hit
from club.roles import PUBLIC, SIGNED_IN, Role, role_required
from club.selectors import rulebook_get
from members import selectors
from members.api import APPLICATIONS_PER_HOUR
from members.cards import card_pdf, card_resolve
from members.forms import (
    ApplicationForm,
    CardCheckForm,
    DecisionForm,
    ForecastForm,
    IdentityCheckForm,
    ImportForm,
    StatusForm,
)
from members.models import ApplicationStatus, ImportJob, MemberStatus
from members.services import (
    application_apply,
    application_decide,
    application_sponsor_respond,
    application_withdraw,
    card_issue,
    forecast_record,
    identity_check_record,
    import_job_create,
    import_job_request_commit,
    member_language_set,
    member_status_change,
)

BOARD = Role.BOARD
STAFF_LIST = (Role.BOARD, Role.COUNTER, Role.TREASURER)


# --- Applying ------------------------------------------------------------------------------


@role_required(PUBLIC)
def apply(request: HttpRequest) -> HttpResponse:
    book = rulebook_get()
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        raw = data.pop("forecast_grams")
        try:
            hit(request, "application", limit=APPLICATIONS_PER_HOUR, per_seconds=3600)
            grams = parse_grams(raw) if raw not in (None, "") else None
            application_apply(
                **data, forecast_grams=grams, language=getattr(request, "LANGUAGE_CODE", "en")
            )
        except ServiceError as exc:
            if exc.code == "GRAMS_INVALID":
                form.add_error("forecast_grams", str(exc.message))
            else:
                refusal_on_form(form, exc)
        else:
            return redirect("members:apply_done")
    return render(request, "members/apply.html", {"form": form, "rulebook": book})


@role_required(PUBLIC)
def apply_done(request: HttpRequest) -> HttpResponse:
    return render(request, "members/apply_done.html")


# --- The member's own pages ---------------------------------------------------------------


@role_required(SIGNED_IN)
def portal(request: HttpRequest) -> HttpResponse:
    member = selectors.member_of_user(request.user)
    context: dict[str, Any] = {
        "member": member,
        "applications": selectors.applications_of_user(request.user),
        "endorsements": selectors.endorsements_for(request.user),
        "forecast_form": ForecastForm(),
    }
    if member is not None:
        context["forecasts"] = selectors.forecast_history(member)[:12]
        context["decisions"] = member.decisions.order_by("-decided_at")[:20]
        context["waiting"] = member.first_dispensing_on > timezone.localdate()
    return render(request, "members/portal.html", context)


def _own_member(request: HttpRequest) -> Any:
    member = selectors.member_of_user(request.user)
    if member is None:
        raise Http404
    return member


@role_required(SIGNED_IN)
@require_POST
def forecast_update(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    form = ForecastForm(request.POST)
    if form.is_valid():
        call_service(
            request,
            forecast_record,
            actor=request.user,
            number=member.number,
            grams_per_month=form.cleaned_data["grams_per_month"],
            success=_("Your forecast was updated."),
        )
    return redirect("members:portal")


def _card_response(member: Any) -> HttpResponse:
    response = HttpResponse(card_pdf(member), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="card-{member.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(SIGNED_IN)
@require_POST
def language_update(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    call_service(
        request,
        member_language_set,
        actor=request.user,
        number=member.number,
        language=request.POST.get("language", ""),
        success=_("The club will write to you in this language."),
    )
    return redirect("members:portal")


@role_required(SIGNED_IN)
def my_card(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    if member.card_version < 1:
        raise Http404
    return _card_response(member)


@role_required(SIGNED_IN)
def my_data(request: HttpRequest) -> HttpResponse:
    data = selectors.personal_data_export(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(SIGNED_IN)
@require_POST
def application_withdraw_view(request: HttpRequest, application_id: int) -> HttpResponse:
    call_service(request, application_withdraw, user=request.user, application_id=application_id)
    return redirect("members:portal")


@role_required(SIGNED_IN)
def endorsements(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "members/endorsements.html",
        {"applications": selectors.endorsements_for(request.user)},
    )


@role_required(SIGNED_IN)
@require_POST
def endorsement_respond(request: HttpRequest, application_id: int) -> HttpResponse:
    call_service(
        request,
        application_sponsor_respond,
        sponsor_user=request.user,
        application_id=application_id,
        confirm=request.POST.get("answer") == "confirm",
        reason=request.POST.get("reason", "")[:2000],
        success=_("Thank you, your answer was recorded."),
    )
    return redirect("members:endorsements")


# --- Board and counter ------------------------------------------------------------------------


@role_required(BOARD)
def applications(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = Paginator(selectors.application_queue(status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "members/applications.html",
        {
            "page": page,
            "status": status,
            "statuses": ApplicationStatus.choices,
        },
    )


@role_required(BOARD, Role.COUNTER)
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    app = selectors.application_detail(application_id)
    if app is None:
        raise Http404
    return render(
        request,
        "members/application_detail.html",
        {
            "app": app,
            "check": selectors.latest_identity_check(app),
            "identity_form": IdentityCheckForm(),
            "decision_form": DecisionForm(),
            "rulebook": rulebook_get(),
        },
    )


@role_required(BOARD, Role.COUNTER)
@require_POST
def application_identity_check(request: HttpRequest, application_id: int) -> HttpResponse:
    form = IdentityCheckForm(request.POST)
    if form.is_valid():
        call_service(
            request,
            identity_check_record,
            actor=request.user,
            application_id=application_id,
            **form.cleaned_data,
            success=_("The identity check was recorded."),
        )
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("members:application_detail", application_id=application_id)


@role_required(BOARD)
@require_POST
def application_decision(request: HttpRequest, application_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give a reason."))
        return redirect("members:application_detail", application_id=application_id)
    approve = form.cleaned_data["decision"] == "approve"

    def decide(**kwargs: Any) -> tuple[Any]:
        return (application_decide(**kwargs),)  # a tuple: None inside means "rejected"

    outcome = call_service(
        request,
        decide,
        actor=request.user,
        application_id=application_id,
        approve=approve,
        reason=form.cleaned_data["reason"],
    )
    if outcome is None:  # refused; the message says why
        return redirect("members:application_detail", application_id=application_id)
    (member,) = outcome
    if member is not None:
        messages.success(request, _("Admitted as member %(number)s.") % {"number": member.number})
        return redirect("members:detail", number=member.number)
    messages.success(request, _("The application was rejected."))
    return redirect("members:applications")


@role_required(*STAFF_LIST)
def member_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    page = Paginator(selectors.member_search(query=query, status=status), 50).get_page(
        request.GET.get("page")
    )
    template = (
        "members/_member_rows.html"
        if request.headers.get("HX-Request")
        else "members/member_list.html"
    )
    return render(
        request,
        template,
        {"page": page, "q": query, "status": status, "statuses": MemberStatus.choices},
    )


@role_required(*STAFF_LIST)
def member_detail(request: HttpRequest, number: int) -> HttpResponse:
    member = selectors.member_by_number(number)
    if member is None:
        raise Http404
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "decisions": member.decisions.select_related("decided_by").order_by(
                "-decided_at", "-pk"
            ),
            "forecasts": selectors.forecast_history(member)[:12],
            "status_form": StatusForm(),
            "age": member.age_on(timezone.localdate()),
            "young_adult": rulebook_get().is_young_adult(member.age_on(timezone.localdate())),
        },
    )


@role_required(BOARD)
@require_POST
def member_status(request: HttpRequest, number: int) -> HttpResponse:
    form = StatusForm(request.POST)
    if form.is_valid():
        call_service(
            request,
            member_status_change,
            actor=request.user,
            number=number,
            **form.cleaned_data,
            success=_("The decision was recorded."),
        )
    else:
        messages.error(request, _("Choose an action and give a reason."))
    return redirect("members:detail", number=number)


@role_required(BOARD)
@require_POST
def member_card_issue(request: HttpRequest, number: int) -> HttpResponse:
    card = call_service(request, card_issue, actor=request.user, number=number)
    if card is not None:
        messages.success(
            request,
            _("Card version %(v)s issued; older cards no longer work.") % {"v": card.version},
        )
    return redirect("members:detail", number=number)


@role_required(BOARD)
def member_card_pdf(request: HttpRequest, number: int) -> HttpResponse:
    member = selectors.member_by_number(number)
    if member is None or member.card_version < 1:
        raise Http404
    return _card_response(member)


@role_required(BOARD, Role.GROWER)
def demand(request: HttpRequest) -> HttpResponse:
    rows = selectors.demand_by_month(first=timezone.localdate(), months=12)
    peak = max((r["grams"] for r in rows), default=Decimal("0")) or Decimal("1")
    for row in rows:
        row["percent"] = int(row["grams"] * 100 / peak)
    return render(request, "members/demand.html", {"rows": rows})


@role_required(BOARD, Role.COUNTER)
def card_check(request: HttpRequest) -> HttpResponse:
    form = CardCheckForm(request.POST or None)
    member, refusal = None, None
    if request.method == "POST" and form.is_valid():
        try:
            member = card_resolve(form.cleaned_data["token"])
        except ServiceError as exc:
            refusal = exc
        form = CardCheckForm()  # the field is empty again for the next scan
    context: dict[str, Any] = {
        "form": form,
        "member": member,
        "refusal": refusal,
        "today": timezone.localdate(),
    }
    if member is not None:
        context["age"] = member.age_on(timezone.localdate())
        context["young_adult"] = rulebook_get().is_young_adult(context["age"])
    template = (
        "members/_card_result.html"
        if request.headers.get("HX-Request")
        else "members/card_check.html"
    )
    return render(request, template, context)


# --- Register import -------------------------------------------------------------------------


@role_required(BOARD)
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_job_create(actor=request.user, filename=upload.name, content=upload.read())
        return redirect("members:import_status", job_id=job.pk)
    return render(request, "members/import.html", {"form": form})


@role_required(BOARD)
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    from members.imports import progress

    job = ImportJob.objects.filter(pk=job_id, created_by_id=request.user.pk).first()
    if job is None:
        raise Http404
    template = (
        "members/_import_status.html"
        if request.headers.get("HX-Request")
        else "members/import_status.html"
    )
    return render(request, template, {"job": job, "progress": progress(job)})


@role_required(BOARD)
@require_POST
def import_commit(request: HttpRequest, job_id: int) -> HttpResponse:
    call_service(request, import_job_request_commit, actor=request.user, job_id=job_id)
    return redirect("members:import_status", job_id=job_id)
