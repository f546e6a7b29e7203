"""Reads of the club app."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from club.models import ApiToken, AuditChainHead, Club, User
from club.rulebook import Rulebook, build_rulebook


def club_get() -> Club | None:
    return Club.objects.first()


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


def api_token_user(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return found.user if found else None
