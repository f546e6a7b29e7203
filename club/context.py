"""Running outside a web request in the club's timezone and language.

Web requests activate the club's timezone in middleware; Celery tasks (through the signals
connected in ``club.signals``) and management commands (``ClubCommand``) use ``club_context``,
so a document built in the background shows the same times and words as the pages.
"""

from __future__ import annotations

import threading
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone, translation

from club.selectors import club_get


def club_locale() -> tuple[str, str]:
    """(timezone name, language code) of the club; the settings' defaults before it exists."""
    try:
        club = club_get()
    except DatabaseError:  # no table yet (before migrate): the defaults
        club = None
    if club is None:
        return settings.TIME_ZONE, settings.LANGUAGE_CODE
    return club.timezone, club.language or settings.LANGUAGE_CODE


_saved = threading.local()


def activate_club_locale() -> None:
    """Switch to the club's timezone and language, keeping what was active to restore it (an
    eager task inside a web request must not change the rest of that request)."""
    stack = _saved.__dict__.setdefault("stack", [])
    stack.append((timezone.get_current_timezone(), translation.get_language()))
    tz, language = club_locale()
    timezone.activate(zoneinfo.ZoneInfo(tz))
    translation.activate(language)


def deactivate_club_locale() -> None:
    stack = _saved.__dict__.setdefault("stack", [])
    if not stack:
        timezone.deactivate()
        translation.deactivate()
        return
    tz, language = stack.pop()
    timezone.activate(tz)
    if language:
        translation.activate(language)
    else:
        translation.deactivate()


@contextmanager
def club_context() -> Iterator[None]:
    activate_club_locale()
    try:
        yield
    finally:
        deactivate_club_locale()
