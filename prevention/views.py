from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from club.roles import Role, role_required
from dispensing.selectors import club_today
from prevention.selectors import trends


@role_required(Role.PREVENTION_OFFICER, Role.BOARD)
def trends_page(request: HttpRequest) -> HttpResponse:
    """Anonymised consumption trends: no member is named, no group under k is shown."""
    return render(request, "prevention/trends.html", {"t": trends(today=club_today())})
