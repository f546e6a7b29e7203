"""Staff sessions end: after ``CSC_STAFF_IDLE_MINUTES`` without a request, and
``CSC_STAFF_SESSION_HOURS`` after sign-in whatever happens in between. A counter left signed in
overnight, or a treasurer's laptop left open in a café, does not stay a way in.

Members keep their browser session (their pages hold only their own data). The sign-in time is
written at sign-in; the last request's time is written at most once a minute, so a clerk's
requests do not each cost a session write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from club.roles import STAFF_ROLES, user_roles

STARTED, SEEN = "_csc_started", "_csc_seen"
SEEN_GRANULARITY = 60  # seconds between two writes of the last request's time


@receiver(user_logged_in, dispatch_uid="csc_session_started")
def _started(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = now
        request.session[SEEN] = now


def session_expired(session: Any, now: int) -> str | None:
    """Why a staff session has ended ("idle" or "absolute"), or None while it is alive."""
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return None
    if now - int(seen) > settings.CSC_STAFF_IDLE_MINUTES * 60:
        return "idle"
    if now - int(started) > settings.CSC_STAFF_SESSION_HOURS * 3600:
        return "absolute"
    return None


class StaffSessionTimeoutMiddleware:
    """Signs staff out when their session is idle or too old; the request then goes on as an
    anonymous one, so a page sends them to sign in and the API answers 401."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        signed_in = session is not None and getattr(user, "is_authenticated", False)
        if signed_in and user_roles(user) & STAFF_ROLES:
            self._check(request, session)
        return self.get_response(request)

    def _check(self, request: HttpRequest, session: Any) -> None:
        now = int(time.time())
        why = session_expired(session, now)
        if why is not None:
            logout(request)
            if why == "idle":
                text = _("You were signed out after %(n)s minutes without activity.") % {
                    "n": settings.CSC_STAFF_IDLE_MINUTES
                }
            else:
                text = _("You were signed out %(n)s hours after signing in.") % {
                    "n": settings.CSC_STAFF_SESSION_HOURS
                }
            messages.info(request, text)
            return
        if session.get(STARTED) is None:  # a session from before this rule: it starts now
            session[STARTED] = now
        if now - int(session.get(SEEN) or 0) >= SEEN_GRANULARITY:
            session[SEEN] = now
