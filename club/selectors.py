"""Reads of the club app."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from club.models import ApiToken, AuditChainHead, Club, User
from club.rulebook import Rulebook, build_rulebook

# The club row as read at the start of the request being served (ClubTimezoneMiddleware), so
# that a request reads it once: a settings change applies from the next request on.
_REQUEST_CLUB: ContextVar[tuple[Club | None] | None] = ContextVar("csc_request_club", default=None)


def club_get() -> Club | None:
    held = _REQUEST_CLUB.get()
    if held is not None:
        return held[0]
    return Club.objects.first()


@contextmanager
def club_for_request() -> Iterator[Club | None]:
    """Read the club once for the request served inside the block."""
    club = Club.objects.first()
    token = _REQUEST_CLUB.set((club,))
    try:
        yield club
    finally:
        _REQUEST_CLUB.reset(token)


def club_remember(club: Club) -> None:
    """The request that changed the club's settings sees the new ones from here on."""
    if _REQUEST_CLUB.get() is not None:
        _REQUEST_CLUB.set((club,))


def rulebook_get(*, club: Club | None = None) -> Rulebook:
    """The effective rulebook: the club's preset with its overrides. The one accessor for limits."""
    club = club or club_get()
    if club is None:
        return build_rulebook("CUSTOM", {})
    return build_rulebook(club.jurisdiction, club.rule_overrides)


def audit_head() -> AuditChainHead:
    return AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)


def api_tokens_of(*, user_id: int) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user_id).order_by("-created_at")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_days() -> int:
    """How many days a new API token works: the club's setting, else its default."""
    club = club_get()
    return int(club.api_token_days if club else Club._meta.get_field("api_token_days").default)


def password_stamp(user: Any) -> str:
    """A short digest of the user's password hash: it changes whenever the password does, so a
    token that carries the old one stops working."""
    return hashlib.sha256(f"csc-token:{user.password}".encode()).hexdigest()[:16]


def api_token_user(token: str) -> User | None:
    """The active user a bearer token belongs to, or None. One query: the user comes with their
    roles (a row per group) and whether they have a second factor, which ``club.roles`` reads
    from the user object instead of asking again."""
    from allauth.mfa.models import Authenticator

    from club.roles import ALL_ROLES

    totp = Authenticator.objects.filter(user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP)
    rows = list(
        ApiToken.objects.select_related("user")
        .filter(
            digest=token_digest(token),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .annotate(role=F("user__groups__name"), totp=Exists(totp))
    )
    if not rows or rows[0].password_stamp != password_stamp(rows[0].user):
        return None  # unknown, revoked, expired, or made before the password last changed
    user = rows[0].user
    names = {row.role for row in rows}
    user._csc_roles = frozenset(r for r in ALL_ROLES if r.value in names)  # type: ignore[attr-defined]
    user._csc_has_mfa = bool(rows[0].totp)  # type: ignore[attr-defined]
    return user
