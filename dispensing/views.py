"""The counter (keyboard first, partial updates with htmx), the member's quota page, receipts and
leaflets, and the board's dispensing log with its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from club.errors import ServiceError
from club.exports import safe_cell
from club.pages import call_service
from club.roles import SIGNED_IN, Role, role_required
from club.validation import as_number
from dispensing.documents import leaflet_pdf, receipt_and_leaflet_pdf, receipt_pdf
from dispensing.models import Dispensing
from dispensing.selectors import (
    counter_panel,
    dispensing_log,
    dispensings_of,
    monthly_totals,
)
from dispensing.services import dispensing_record, dispensing_reverse
from members.cards import card_resolve
from members.models import Member
from members.selectors import member_by_number, member_of_user, member_search

COUNTER = (Role.COUNTER, Role.BOARD)
QUICK_GRAMS = ("1", "2", "3", "5", "10")
FIND_PAGE = 25


def _panel_response(request: HttpRequest, member: Member, **extra: Any) -> HttpResponse:
    return render(
        request,
        "dispensing/_panel.html",
        {
            "panel": counter_panel(member),
            "quick": QUICK_GRAMS,
            "idempotency_key": uuid.uuid4().hex,
            **extra,
        },
    )


@role_required(*COUNTER)
def counter(request: HttpRequest) -> HttpResponse:
    return render(request, "dispensing/counter.html")


@role_required(*COUNTER)
@require_POST
def counter_find(request: HttpRequest) -> HttpResponse:
    """The scan field: a card's token, a membership number, or a name."""
    text = request.POST.get("q", "").strip()[:200]
    if not text:
        return render(request, "dispensing/_find.html", {"matches": []})
    if ":" in text:  # a signed card token
        try:
            member = card_resolve(text)
        except ServiceError as exc:
            return render(request, "dispensing/_refusal.html", {"error": exc})
        return _panel_response(request, member, card_token=text)
    if text.isdigit():
        number = as_number(text)
        found = member_by_number(number) if number is not None else None
        if found is None:
            return render(request, "dispensing/_find.html", {"matches": [], "q": text})
        return _panel_response(request, found)
    found_all = member_search(query=text)
    page = Paginator(found_all, FIND_PAGE).get_page(request.POST.get("page"))
    if page.paginator.count == 1:
        return _panel_response(request, page[0])
    return render(request, "dispensing/_find.html", {"page": page, "q": text})


@role_required(*COUNTER)
def counter_member(request: HttpRequest, number: int) -> HttpResponse:
    member = member_by_number(number)
    if member is None:
        raise Http404
    return _panel_response(request, member)


@role_required(Role.COUNTER)
@require_POST
def counter_dispense(request: HttpRequest, number: int) -> HttpResponse:
    member = member_by_number(number)
    if member is None:
        raise Http404
    id_checked = request.POST.get("id_checked") == "on"
    token = request.POST.get("card_token", "")[:500] or None
    try:
        result = dispensing_record(
            actor=request.user,
            member_number=number,
            lot_code=request.POST.get("lot", ""),
            grams=request.POST.get("grams", ""),
            id_checked=id_checked,
            idempotency_key=request.POST.get("idempotency_key") or None,
            card_token=token,
        )
    except ServiceError as exc:
        # The same member is still at the counter: keep the ID check, the lot and the grams.
        return _panel_response(
            request,
            member,
            error=exc,
            grams=request.POST.get("grams", "")[:20],
            chosen=request.POST.get("lot", "")[:20],
            card_token=token,
            id_checked=id_checked,
        )
    return render(request, "dispensing/_done.html", {"d": result.dispensing, "quota": result.quota})


def _document(request: HttpRequest, receipt: int, render_pdf: Any, name: str) -> HttpResponse:
    d = Dispensing.objects.select_related("member", "lot").filter(receipt=receipt).first()
    if d is None:
        raise Http404
    response = HttpResponse(render_pdf(d), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}-{receipt}.pdf"'
    return response


@role_required(*COUNTER)
def receipt_and_leaflet(request: HttpRequest, receipt: int) -> HttpResponse:
    """One document to print after a dispensing: the receipt, then the leaflet."""
    return _document(request, receipt, receipt_and_leaflet_pdf, "receipt-leaflet")


@role_required(*COUNTER)
def receipt(request: HttpRequest, receipt: int) -> HttpResponse:
    return _document(request, receipt, receipt_pdf, "receipt")


@role_required(*COUNTER)
def leaflet(request: HttpRequest, receipt: int) -> HttpResponse:
    return _document(request, receipt, leaflet_pdf, "leaflet")


@role_required(SIGNED_IN)
def my_quota(request: HttpRequest) -> HttpResponse:
    member = member_of_user(request.user)
    if member is None:
        raise Http404
    panel = counter_panel(member)
    months = monthly_totals(member)
    top = max([m["grams"] for m in months] + [m["forecast"] or 0 for m in months] + [1])
    for m in months:
        m["pct"] = int(m["grams"] * 100 / top)
        m["forecast_pct"] = int((m["forecast"] or 0) * 100 / top)
    quota = panel.quota

    def bar(used: Any, limit: Any) -> dict[str, Any]:
        return {"used": used, "limit": limit, "pct": int(used * 100 / limit) if limit else 0}

    return render(
        request,
        "dispensing/my_quota.html",
        {
            "quota": quota,
            "bars": [
                (_("Today"), bar(quota.used_day, quota.day_limit)),
                (_("This month"), bar(quota.used_month, quota.effective_month_limit)),
                (_("This year"), bar(quota.used_year, quota.year_limit)),
            ],
            "months": months,
            "history": dispensings_of(member)[:50],
        },
    )


def _log_filters(request: HttpRequest) -> dict[str, Any]:
    day = request.GET.get("day") or None
    number = request.GET.get("member") or None
    try:
        return {
            "day": dt.date.fromisoformat(day) if day else None,
            "member_number": int(number) if number else None,
            "lot_code": (request.GET.get("lot") or "")[:20],
        }
    except ValueError:
        return {"day": None, "member_number": None, "lot_code": ""}


@role_required(Role.BOARD)
def log(request: HttpRequest) -> HttpResponse:
    filters = _log_filters(request)
    rows = dispensing_log(**filters)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="dispensing-log.csv"'
        writer = csv.writer(response)
        # KCanG §26(1) no. 5: last name, first name, year of birth, grams, average THC, date.
        writer.writerow(
            [
                "receipt",
                "date",
                "last_name",
                "first_name",
                "year_of_birth",
                "grams",
                "thc_percent",
                "strain",
                "lot",
                "reversed",
            ]
        )
        for d in rows.iterator(chunk_size=1000):
            writer.writerow(
                [
                    safe_cell(x)
                    for x in (
                        d.receipt,
                        d.local_date.isoformat(),
                        d.member.last_name,
                        d.member.first_name,
                        d.member.date_of_birth.year,
                        d.grams,
                        d.thc_percent,
                        d.strain_name,
                        d.lot.code,
                        "yes" if hasattr(d, "reversal") else "",
                    )
                ]
            )
        return response
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "dispensing/log.html",
        {"page": page, **{k: request.GET.get(k, "") for k in ("day", "member", "lot")}},
    )


@role_required(Role.BOARD)
@require_POST
def reverse(request: HttpRequest, receipt: int) -> HttpResponse:
    call_service(
        request,
        dispensing_reverse,
        actor=request.user,
        receipt=receipt,
        reason=request.POST.get("reason", "")[:2000],
        success=_("The dispensing was reversed; stock and quota are back."),
    )
    from django.shortcuts import redirect

    return redirect("dispensing:log")
