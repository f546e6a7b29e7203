"""Errors that services raise: a stable upper-case code, a translated message, an HTTP status.

Views turn them into form errors, the API into `{"code", "message", "fields"}` (see API.md).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A rule refused the operation; nothing was written.

    ``status`` follows API.md: 422 when a rule refused it, 409 for a conflict of state,
    400 for malformed input, 404 for an object the user may not see.
    """

    status = 422

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.fields: dict[str, Any] = fields or {}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class StateConflict(ServiceError):
    status = 409


class AppendOnlyError(Exception):
    """A record that is append-only was asked to change or disappear."""


# Stable codes used across apps, with their messages.
RULEBOOK_OVERRIDE_LOOSER = "RULEBOOK_OVERRIDE_LOOSER"
RULEBOOK_OVERRIDE_INVALID = "RULEBOOK_OVERRIDE_INVALID"
INVALID_INPUT = "INVALID_INPUT"
NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
MFA_REQUIRED = "MFA_REQUIRED"
NOT_FOUND = "NOT_FOUND"
CSRF_FAILED = "CSRF_FAILED"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
SERVER_ERROR = "SERVER_ERROR"

MESSAGES: dict[str, Promise] = {
    RULEBOOK_OVERRIDE_LOOSER: _("A club may only be stricter than the law, never looser."),
    RULEBOOK_OVERRIDE_INVALID: _("This value is not valid for this rule."),
    INVALID_INPUT: _("The input is not valid."),
    NOT_AUTHENTICATED: _("Please sign in."),
    FORBIDDEN: _("Your role does not allow this."),
    MFA_REQUIRED: _("Staff roles must set up two-factor authentication first."),
    NOT_FOUND: _("Not found."),
    CSRF_FAILED: _("The security token of this form is missing or out of date."),
    METHOD_NOT_ALLOWED: _("This method is not allowed here."),
    SERVER_ERROR: _("Something went wrong on our side. Please try again."),
}


def not_found() -> ServiceError:
    """The same 404 for a missing object and for someone else's (API.md)."""
    return ServiceError(NOT_FOUND, MESSAGES[NOT_FOUND], status=404)
