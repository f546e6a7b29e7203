"""Middleware: health check, club timezone, the input gate and the API's error format."""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from club import errors
from club.selectors import club_for_request


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
        with club_for_request() as club:
            request.club = club  # type: ignore[attr-defined]
            if club is not None:
                timezone.activate(zoneinfo.ZoneInfo(club.timezone))
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()


# Control characters PostgreSQL refuses (NUL) or that no person types, and lone surrogates that
# no encoder accepts. Tab, newline and carriage return (a text area's line ends) pass.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def has_forbidden_characters(value: Any) -> bool:
    """True if any text in ``value`` (nested lists and dicts, keys included) has a character that
    no input may hold."""
    if isinstance(value, str):
        return _FORBIDDEN.search(value) is not None
    if isinstance(value, dict):
        return any(
            has_forbidden_characters(k) or has_forbidden_characters(v) for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return any(has_forbidden_characters(v) for v in value)
    return False


def _request_has_forbidden_input(request: HttpRequest) -> bool:
    texts: list[Any] = [request.path_info, dict(request.COOKIES)]
    for key, values in request.GET.lists():
        texts += [key, values]
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, values in request.POST.lists():
                texts += [key, values]
            texts += [f.name for _key, files in request.FILES.lists() for f in files]
        elif content_type.endswith("json"):
            try:
                texts.append(json.loads(request.body.decode("utf-8")))
            except UnicodeDecodeError:
                return True
            except ValueError:
                pass  # malformed JSON: the API's parser answers 400 with its own message
    return has_forbidden_characters(texts)


class InputGuardMiddleware:
    """One gate for every input: the path, query parameters, form fields, file names and JSON
    bodies. A control character (NUL above all, which PostgreSQL refuses in text) or a lone
    surrogate gets 400 ``INVALID_INPUT`` before any view runs, so nothing is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            bad = _request_has_forbidden_input(request)
        except (RequestDataTooBig, TooManyFieldsSent, UnicodeDecodeError, MultiPartParserError):
            bad = True
        if not bad:
            return self.get_response(request)
        message = _("The input holds characters that are not allowed (control characters).")
        if request.path.startswith(API_PREFIX):
            return JsonResponse(
                {"code": errors.INVALID_INPUT, "message": str(message), "fields": {}}, status=400
            )
        # The gate runs before sessions are read (a cookie may be the bad input): the page is
        # drawn for an anonymous visitor.
        request.user = AnonymousUser()
        return render(request, "400.html", {"message": message}, status=400)


API_PREFIX = "/api/"
_API_CODES = {
    400: errors.INVALID_INPUT,
    401: errors.NOT_AUTHENTICATED,
    403: errors.FORBIDDEN,
    404: errors.NOT_FOUND,
    405: errors.METHOD_NOT_ALLOWED,
    413: errors.INVALID_INPUT,
    500: errors.SERVER_ERROR,
}


class ApiErrorFormatMiddleware:
    """Every answer under /api/ is JSON in the API's error format (API.md), whatever produced it:
    an unknown path, a wrong method, a CSRF failure, a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        code = _API_CODES.get(status, errors.INVALID_INPUT if status < 500 else errors.SERVER_ERROR)
        if status == 403 and getattr(request, "csc_csrf_failed", False):
            code = errors.CSRF_FAILED
        body = {"code": code, "message": str(errors.MESSAGES[code]), "fields": {}}
        new = JsonResponse(body, status=status)
        if response.has_header("Allow"):
            new["Allow"] = response["Allow"]
        return new


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal: JSON under /api/, the translated 403 page elsewhere."""
    request.csc_csrf_failed = True  # type: ignore[attr-defined]
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {
                "code": errors.CSRF_FAILED,
                "message": str(errors.MESSAGES[errors.CSRF_FAILED]),
                "fields": {},
            },
            status=403,
        )
    return render(request, "403.html", {"message": errors.MESSAGES[errors.CSRF_FAILED]}, status=403)


class NoStoreMiddleware:
    """Pages for a signed-in person hold personal or staff data: no cache may keep them (a
    shared computer at the counter, a proxy, the browser's back button after signing out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response
