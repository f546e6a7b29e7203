from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from club import navigation as nav
from club.roles import acts_as, denial, needs_mfa, user_roles
from club.selectors import club_get


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu the user may see, the club's name, and whether MFA is still owed."""
    user = request.user
    entries = []
    for item in nav.items():
        code = denial(user, item.access)
        if code is None or (code == "MFA_REQUIRED"):
            entries.append(
                {
                    "url": reverse(item.url_name),
                    "label": item.label,
                    "active": request.path == reverse(item.url_name),
                }
            )
    club = getattr(request, "club", None)
    if club is None and not hasattr(request, "club"):
        club = club_get()
    return {
        "nav_items": entries,
        "current_club": club,
        # The roles the user may act in now: a staff role without MFA shows nothing of its own.
        "current_roles": sorted(r for r in user_roles(user) if acts_as(user, r)),
        "mfa_owed": user.is_authenticated and needs_mfa(user),
    }
