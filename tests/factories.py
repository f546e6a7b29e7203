"""Factories that build records through the services, so every record has its audit event."""

from __future__ import annotations

import itertools
import time
from typing import Any

import factory
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from club.demo import DEMO_CLUB
from club.models import Club, User
from club.selectors import club_get
from club.services import club_create, user_create, user_totp_activate

TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
PASSWORD = "a-long-test-password-9"
_seq = itertools.count(1)


def totp_now(secret: str = TOTP_SECRET) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def make_club(**values: Any) -> Club:
    existing = club_get()
    if existing is not None:
        return existing
    return club_create(actor=None, **{**DEMO_CLUB, **values})


def make_user(
    *,
    roles: tuple[str, ...] = (),
    mfa: bool = False,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    **names: Any,
) -> User:
    n = next(_seq)
    user = user_create(
        actor=None,
        email=email or f"user{n}-{time.monotonic_ns()}@test.example",
        password=password,
        first_name=names.get("first_name", f"First{n}"),
        last_name=names.get("last_name", f"Last{n}"),
        roles=tuple(str(r) for r in roles),
        email_verified=verified,
    )
    if mfa:
        user_totp_activate(actor=None, user=user, secret=TOTP_SECRET)
    return user


class UserFactory(factory.Factory):
    """factory_boy front for ``make_user`` (``UserFactory(roles=("board",), mfa=True)``)."""

    class Meta:
        model = User

    roles: tuple[str, ...] = ()
    mfa = False

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> User:
        return make_user(**kwargs)
