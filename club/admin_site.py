from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from club.roles import Role, denial


class BoardAdminSite(admin.AdminSite):
    """The Django admin, for the board only and only after MFA. It is read-only: every write
    goes through a service so that it leaves an audit event."""

    site_header = _("csc administration")
    site_title = _("csc administration")

    def has_permission(self, request: HttpRequest) -> bool:
        return denial(request.user, frozenset({Role.BOARD.value})) is None

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
