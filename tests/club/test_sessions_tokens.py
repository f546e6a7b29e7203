"""Issue 15, point 5: API tokens expire (a club setting) and die when the password changes or the
membership ends; staff sessions end when idle and after an absolute time."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from club.models import ApiToken
from club.roles import Role
from club.services import api_token_create, club_update
from club.sessions import SEEN, STARTED
from members.services import member_status_change
from tests.factories import make_member, make_user

pytestmark = pytest.mark.django_db


def _me(client, token: str) -> int:
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_a_token_expires_after_the_clubs_days(client, club) -> None:
    club_update(actor=None, api_token_days=30)
    member = make_member()
    token, plain = api_token_create(user=member.user, name="phone")
    assert token.expires_at is not None
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(
        minutes=1
    )
    assert _me(client, plain) == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _me(client, plain) == 401


def test_a_token_dies_when_the_password_changes(client, club) -> None:
    member = make_member()
    _token, plain = api_token_create(user=member.user, name="phone")
    assert _me(client, plain) == 200
    member.user.set_password("a-new-password-2026")
    member.user.save()
    assert _me(client, plain) == 401


@pytest.mark.parametrize("action", ["expel", "end"])
def test_a_token_dies_when_the_membership_ends(client, club, action) -> None:
    member = make_member()
    token, plain = api_token_create(user=member.user, name="phone")
    member_status_change(actor=None, number=member.number, action=action, reason="Left")
    assert _me(client, plain) == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_token_lifetime_is_a_bounded_club_setting(club) -> None:
    from club.errors import ServiceError

    for bad in (0, 366, -1):
        with pytest.raises(ServiceError):
            club_update(actor=None, api_token_days=bad)


def _age(client, *, started: int, seen: int) -> None:
    session = client.session
    session[STARTED], session[SEEN] = started, seen
    session.save()


def test_a_staff_session_ends_when_idle(client, club, settings) -> None:
    settings.CSC_STAFF_IDLE_MINUTES = 30
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    client.force_login(clerk)
    assert client.get("/counter/").status_code == 200
    now = int(time.time())
    _age(client, started=now - 3600, seen=now - 29 * 60)
    assert client.get("/counter/").status_code == 200  # 29 idle minutes: still signed in
    _age(client, started=now - 3600, seen=now - 31 * 60)
    response = client.get("/counter/", follow=True)
    assert response.redirect_chain and "/accounts/login/" in response.redirect_chain[-1][0]
    assert "signed out after 30 minutes without activity" in response.content.decode()
    assert client.get("/counter/").status_code == 302  # the session is gone


def test_a_staff_session_ends_after_the_absolute_time_even_when_busy(
    client, club, settings
) -> None:
    settings.CSC_STAFF_SESSION_HOURS = 12
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    client.force_login(clerk)
    now = int(time.time())
    _age(client, started=now - 12 * 3600 + 60, seen=now)
    assert client.get("/counter/").status_code == 200
    _age(client, started=now - 12 * 3600 - 60, seen=now)
    assert client.get("/counter/").status_code == 302


def test_a_member_session_is_not_cut(client, club) -> None:
    member = make_member()
    client.force_login(member.user)
    now = int(time.time())
    _age(client, started=now - 48 * 3600, seen=now - 5 * 3600)
    assert client.get("/me/").status_code == 200
