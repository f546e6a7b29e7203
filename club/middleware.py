from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from club.selectors import club_get


class HealthCheckMiddleware:
    """Answers /healthz before host checks and HTTPS redirects, for the compose health check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return HttpResponse("ok", content_type="text/plain")
        return self.get_response(request)


class ClubTimezoneMiddleware:
    """Pages show times in the club's timezone; storage stays UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        club = club_get()
        request.club = club  # type: ignore[attr-defined]
        if club is not None:
            timezone.activate(zoneinfo.ZoneInfo(club.timezone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
