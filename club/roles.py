"""Roles, and the one place that decides whether a user may open a page or call an endpoint.

Pages use ``role_required`` (functions) or ``RoleRequiredMixin`` (classes); the API uses
``club.api_support.requires``. All three call ``denial()``. Each marks its view with the roles it
admits (``csc_access``), which the test suite reads to try every URL against every role.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from club import errors


class Role(models.TextChoices):
    BOARD = "board", _("Board")
    COUNTER = "counter", _("Counter staff")
    GROWER = "grower", _("Grower")
    TREASURER = "treasurer", _("Treasurer")
    PREVENTION_OFFICER = "prevention_officer", _("Prevention officer")
    MEMBER = "member", _("Member")


STAFF_ROLES = frozenset(
    {Role.BOARD, Role.COUNTER, Role.GROWER, Role.TREASURER, Role.PREVENTION_OFFICER}
)
ALL_ROLES = frozenset(Role)

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user, whatever their roles


def user_roles(user: Any) -> frozenset[str]:
    """The user's roles, read once per request object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_csc_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(r for r in ALL_ROLES if r.value in names)
        user._csc_roles = cached
    return cached


def users_with_role(role: str) -> list[Any]:
    """The active users who hold ``role`` and have an e-mail address (to mail the role)."""
    from club.models import User

    return list(User.objects.filter(groups__name=role, is_active=True).exclude(email=""))


def has_mfa(user: Any) -> bool:
    cached = getattr(user, "_csc_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._csc_has_mfa = cached
    return bool(cached)


def needs_mfa(user: Any) -> bool:
    """Staff roles must have TOTP before any staff page or endpoint opens."""
    return bool(user_roles(user) & STAFF_ROLES) and not has_mfa(user)


def denial(user: Any, access: str | frozenset[str]) -> str | None:
    """None if ``user`` may pass ``access``, else the error code that says why not."""
    if access == PUBLIC:
        return None
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return errors.NOT_AUTHENTICATED
    if access == SIGNED_IN:
        return None
    granted = user_roles(user) & frozenset(access)
    if not granted:
        return errors.FORBIDDEN
    # A member reaches member pages without MFA; a role that is staff-only needs it.
    if granted <= STAFF_ROLES and not has_mfa(user):
        return errors.MFA_REQUIRED
    return None


def acts_as(user: Any, *roles: str) -> bool:
    """Whether ``user`` may act in one of ``roles`` now: the same check as every page and endpoint
    (``denial``), so a staff role without MFA does not count, even for a user who is also a
    member. Views that show more to some roles ask this, never ``user_roles`` directly."""
    return denial(user, _access(roles)) is None


def _access(roles: Iterable[str]) -> str | frozenset[str]:
    roles = tuple(roles)
    if roles in ((PUBLIC,), (SIGNED_IN,)):
        return roles[0]
    if not roles:
        raise ValueError("name the roles, or PUBLIC / SIGNED_IN")
    unknown = set(roles) - {r.value for r in ALL_ROLES}
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    return frozenset(roles)


def refuse(request: HttpRequest, code: str) -> HttpResponse:
    """What a page does for a user who may not open it."""
    if code == errors.NOT_AUTHENTICATED:
        return redirect_to_login(request.get_full_path())
    if code == errors.MFA_REQUIRED:
        messages.warning(request, str(errors.MESSAGES[errors.MFA_REQUIRED]))
        return redirect("mfa_activate_totp")
    raise PermissionDenied(errors.MESSAGES[errors.FORBIDDEN])


def role_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a function view: ``@role_required(Role.BOARD)``, ``@role_required(SIGNED_IN)``."""
    access = _access(roles)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            code = denial(request.user, access)
            if code:
                return refuse(request, code)
            return view(request, *args, **kwargs)

        wrapped.csc_access = access  # type: ignore[attr-defined]
        return wrapped

    return decorate


class RoleRequiredMixin:
    """For class-based views: set ``roles = (Role.BOARD, ...)`` or ``(SIGNED_IN,)``."""

    roles: tuple[str, ...] = ()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponse]:
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        view.csc_access = _access(cls.roles)
        return view

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        code = denial(request.user, _access(self.roles))
        if code:
            return refuse(request, code)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
