"""The grower's pages: batches by stage, lots with stock, the plan against demand, the mass
balance, and one form page per action."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from club.pages import call_service, form_page
from club.roles import Role, acts_as, role_required
from harvests import forms as f
from harvests import services
from harvests.models import STAGE_MOVES, Batch, Harvest, Lot, Stage
from harvests.selectors import batches_by_stage, demand_vs_plan, lots_with_stock, mass_balance

GROW = (Role.GROWER, Role.BOARD)


@role_required(*GROW)
def dashboard(request: HttpRequest) -> HttpResponse:
    stages = batches_by_stage()
    return render(
        request,
        "harvests/dashboard.html",
        {
            "stages": [(value, label, stages[value]) for value, label in Stage.choices],
            "moves": {s: sorted(STAGE_MOVES[s] - {Stage.DESTROYED}) for s in Stage.values},
            "lots": lots_with_stock(),
            "stage_labels": dict(Stage.choices),
        },
    )


@role_required(Role.GROWER)
def strain_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        f.StrainForm,
        title=gettext_lazy("New strain"),
        done="harvests:dashboard",
        action=lambda d: services.strain_create(actor=request.user, **d),
    )


@role_required(*GROW)
def batch_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        f.BatchForm,
        title=gettext_lazy("Plan a batch"),
        done="harvests:dashboard",
        intro=gettext_lazy(
            "A plan above declared demand plus the tolerance is refused unless "
            "the board records a decision with a reason."
        ),
        initial={"started_on": timezone.localdate()},
        form_kwargs={"board": acts_as(request.user, Role.BOARD)},
        action=lambda d: services.batch_create(actor=request.user, **d),
    )


@role_required(Role.GROWER)
@require_POST
def batch_stage(request: HttpRequest, code: str) -> HttpResponse:
    call_service(
        request,
        services.batch_move,
        actor=request.user,
        code=code,
        to=request.POST.get("to", ""),
        success=_("Saved."),
    )
    return redirect("harvests:dashboard")


@role_required(Role.GROWER)
def batch_harvest(request: HttpRequest, code: str) -> HttpResponse:
    get_object_or_404(Batch, code=code)
    return form_page(
        request,
        f.HarvestForm,
        title=_("Harvest of %(code)s") % {"code": code},
        done="harvests:dashboard",
        action=lambda d: services.harvest_record(actor=request.user, batch_code=code, **d),
    )


@role_required(Role.GROWER)
def batch_destroy(request: HttpRequest, code: str) -> HttpResponse:
    get_object_or_404(Batch, code=code)
    return form_page(
        request,
        f.BatchDestructionForm,
        title=_("Destroy batch %(code)s") % {"code": code},
        done="harvests:dashboard",
        initial={"destroyed_on": timezone.localdate()},
        action=lambda d: services.batch_destroy(
            actor=request.user, code=code, wet_grams=d.pop("grams"), **d
        ),
    )


@role_required(Role.GROWER)
def harvest_lab(request: HttpRequest, harvest_id: int) -> HttpResponse:
    get_object_or_404(Harvest, pk=harvest_id)
    return form_page(
        request,
        f.LabResultForm,
        title=gettext_lazy("Lab result"),
        done="harvests:dashboard",
        action=lambda d: services.lab_result_record(actor=request.user, harvest_id=harvest_id, **d),
    )


@role_required(Role.GROWER)
def harvest_lot(request: HttpRequest, harvest_id: int) -> HttpResponse:
    harvest = get_object_or_404(Harvest, pk=harvest_id)
    return form_page(
        request,
        f.LotForm,
        title=gettext_lazy("New lot"),
        done="harvests:dashboard",
        intro=_("Dry weight of this harvest: %(g)s g") % {"g": harvest.dry_grams},
        action=lambda d: services.lot_create(actor=request.user, harvest_id=harvest_id, **d),
    )


@role_required(*GROW)
@require_POST
def lot_release(request: HttpRequest, code: str) -> HttpResponse:
    call_service(request, services.lot_release, actor=request.user, code=code, success=_("Saved."))
    return redirect("harvests:dashboard")


@role_required(*GROW)
def lot_recall(request: HttpRequest, code: str) -> HttpResponse:
    get_object_or_404(Lot, code=code)
    form = f.RecallForm(request.POST or None)
    recipients = None
    if request.method == "POST" and form.is_valid():
        recipients = call_service(
            request,
            services.lot_recall,
            actor=request.user,
            code=code,
            reason=form.cleaned_data["reason"],
        )
    return render(
        request, "harvests/recall.html", {"form": form, "code": code, "recipients": recipients}
    )


@role_required(Role.GROWER)
def lot_destroy(request: HttpRequest, code: str) -> HttpResponse:
    get_object_or_404(Lot, code=code)
    return form_page(
        request,
        f.DestructionForm,
        title=_("Destroy from lot %(code)s") % {"code": code},
        done="harvests:dashboard",
        initial={"destroyed_on": timezone.localdate()},
        action=lambda d: services.lot_destroy(actor=request.user, code=code, **d),
    )


@role_required(Role.GROWER)
def lot_correct(request: HttpRequest, code: str) -> HttpResponse:
    get_object_or_404(Lot, code=code)
    return form_page(
        request,
        f.CorrectionForm,
        title=_("Correct lot %(code)s") % {"code": code},
        done="harvests:dashboard",
        action=lambda d: services.stock_correct(actor=request.user, code=code, **d),
    )


@role_required(Role.GROWER)
def propagation(request: HttpRequest) -> HttpResponse:
    def act(d: dict[str, Any]) -> Any:
        if d["direction"] == "received":
            return services.propagation_receive(
                actor=request.user,
                strain_id=d["strain_id"],
                kind=d["kind"],
                count=d["count"],
                supplier=d["supplier"],
                on=d["on"],
            )
        return services.propagation_out(
            actor=request.user,
            strain_id=d["strain_id"],
            kind=d["kind"],
            count=d["count"],
            direction=d["direction"],
            on=d["on"],
            member_number=d["member_number"],
            non_member=d["non_member"],
            reason=d["reason"],
        )

    return form_page(
        request,
        f.PropagationForm,
        title=gettext_lazy("Seeds and cuttings"),
        done="harvests:dashboard",
        action=act,
        initial={"on": timezone.localdate()},
    )


@role_required(*GROW)
def transport_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        f.TransportForm,
        title=gettext_lazy("Transport between sites"),
        done="harvests:dashboard",
        action=lambda d: services.transport_record(actor=request.user, **d),
    )


@role_required(*GROW)
def incident_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        f.IncidentForm,
        title=gettext_lazy("Loss or suspected diversion"),
        done="harvests:dashboard",
        action=lambda d: services.incident_record(actor=request.user, **d),
    )


@role_required(*GROW)
def plan(request: HttpRequest) -> HttpResponse:
    rows = demand_vs_plan(first=timezone.localdate(), months=12)
    top = max([max(r["allowed"], r["planned"]) for r in rows] + [Decimal("1")])
    for r in rows:
        r["demand_pct"] = int(r["demand"] * 100 / top)
        r["planned_pct"] = int(r["planned"] * 100 / top)
        r["over"] = r["planned"] > r["allowed"]
    return render(request, "harvests/plan.html", {"rows": rows})


@role_required(Role.GROWER, Role.BOARD, Role.TREASURER)
def balance(request: HttpRequest) -> HttpResponse:
    from members.rules import add_months

    form = f.BalanceForm(request.GET or None)
    month = timezone.localdate().replace(day=1)
    if form.is_valid() and form.cleaned_data["month"]:
        month = form.cleaned_data["month"]
    until = add_months(month, 1)
    return render(
        request,
        "harvests/balance.html",
        {
            "rows": mass_balance(until=until),
            "until": until,
            "last_day": until - dt.timedelta(days=1),
            "form": form,
            "month_value": month.strftime("%Y-%m"),
        },
    )
