from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from club.models import ApiToken, AuditEvent, Club, User
from club.roles import Role, denial


class BoardReadOnlyAdmin(admin.ModelAdmin):
    """The board can look at records here; changes go through the pages and their services."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return denial(request.user, frozenset({Role.BOARD.value})) is None

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Club)
class ClubAdmin(BoardReadOnlyAdmin):
    list_display = ("name", "jurisdiction", "timezone", "currency")


@admin.register(AuditEvent)
class AuditEventAdmin(BoardReadOnlyAdmin):
    list_display = ("seq", "at", "action", "subject_type", "subject_id", "actor")
    list_filter = ("action",)


@admin.register(User)
class UserAdmin(BoardReadOnlyAdmin):
    list_display = ("id", "email", "is_active", "last_login")
    search_fields = ("email",)
    exclude = ("password",)


@admin.register(ApiToken)
class ApiTokenAdmin(BoardReadOnlyAdmin):
    list_display = ("prefix", "user", "name", "created_at", "revoked_at")
    exclude = ("digest",)
