"""The JSON API's conventions (API.md): authentication, role checks and the error format.

Every endpoint names who may call it with ``auth=requires(...)``; the check runs before the body
is parsed, so a caller without the role gets 403 whatever they send.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import ninja
from annotated_types import Interval
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from ninja.utils import check_csrf
from pydantic import ValidationInfo, field_validator

from club import errors
from club.errors import ServiceError
from club.roles import PUBLIC, SIGNED_IN, _access, denial
from club.selectors import api_token_user
from club.validation import FIRST_YEAR, LAST_YEAR

# Every number and date the API accepts is bounded, so nothing reaches the database that it
# refuses (an integer past its column, a date whose local time overflows when it is shown).
INT_MAX = 2**31 - 1
Id = Annotated[int, Interval(ge=1, le=INT_MAX)]
Offset = Annotated[int, Interval(ge=0, le=INT_MAX)]
Limit = Annotated[int, Interval(ge=1, le=500)]


def _bounded(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -INT_MAX <= value <= INT_MAX:
        raise ValueError(f"must be between {-INT_MAX} and {INT_MAX}")
    if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must lie between the years {FIRST_YEAR} and {LAST_YEAR}")
    if isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= 10**9):
        raise ValueError("must be a finite number below 1000000000")
    if isinstance(value, list | tuple):
        for v in value:
            _bounded(v)
    if isinstance(value, dict):
        for v in value.values():
            _bounded(v)
    return value


class Schema(ninja.Schema):
    """The API's schema base: every integer, date and decimal field is bounded (see above)."""

    @field_validator("*", mode="after")
    @classmethod
    def _within_bounds(cls, value: Any, info: ValidationInfo) -> Any:
        return _bounded(value)


class ApiError(ServiceError):
    """Raised by endpoints and the auth layer; rendered by the handlers below."""


class CscAuth(HttpBearer):
    """A bearer token, or else the browser session (with CSRF on unsafe methods); then the role."""

    def __init__(self, access: str | frozenset[str]) -> None:
        super().__init__()
        self.access = access

    def __call__(self, request: HttpRequest) -> Any:
        user: Any
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            user = api_token_user(token.strip())
            if user is None:
                return None
        else:
            user = request.user
            if not user.is_authenticated:
                return None
            if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and check_csrf(request):
                raise ApiError(errors.CSRF_FAILED, errors.MESSAGES[errors.CSRF_FAILED], status=403)
        code = denial(user, self.access)
        if code == errors.NOT_AUTHENTICATED:
            return None
        if code:
            raise ApiError(code, errors.MESSAGES[code], status=403)
        request.user = user
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return api_token_user(token)


def requires(*roles: str) -> list[CscAuth]:
    """``auth=requires(Role.BOARD)``; ``requires(SIGNED_IN)`` for any signed-in user."""
    return [CscAuth(_access(roles))]


def error_body(code: str, message: str | Promise, fields: dict[str, Any] | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def _fields_from_validation(exc: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return fields


def install(api: NinjaAPI) -> None:
    """Give ``api`` the error format of API.md."""

    def render(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return render(request, exc.status, error_body(exc.code, exc.message, exc.fields))

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        body = error_body(
            errors.INVALID_INPUT,
            errors.MESSAGES[errors.INVALID_INPUT],
            _fields_from_validation(exc),
        )
        return render(request, 400, body)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = error_body(errors.NOT_AUTHENTICATED, errors.MESSAGES[errors.NOT_AUTHENTICATED])
        return render(request, 401, body)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return render(request, 404, error_body(errors.NOT_FOUND, errors.MESSAGES[errors.NOT_FOUND]))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: errors.INVALID_INPUT,
            401: errors.NOT_AUTHENTICATED,
            403: errors.FORBIDDEN,
            404: errors.NOT_FOUND,
        }.get(exc.status_code, "ERROR")
        return render(
            request, exc.status_code, error_body(code, errors.MESSAGES.get(code, str(exc)))
        )


__all__ = [
    "PUBLIC",
    "SIGNED_IN",
    "ApiError",
    "CscAuth",
    "Id",
    "Limit",
    "Offset",
    "Schema",
    "error_body",
    "install",
    "requires",
]


def caller(request: HttpRequest) -> Any:
    """The user the auth layer admitted for this request."""
    return getattr(request, "auth", None)
