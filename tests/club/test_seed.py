from __future__ import annotations

import pytest
from django.core.management import call_command

from club.audit import audit_verify
from club.demo import DEMO_USERS
from club.models import AuditEvent, Club, User
from club.roles import STAFF_ROLES, has_mfa, user_roles

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple:
    club = Club.objects.get()
    users = sorted((u.email, tuple(sorted(user_roles(u))), has_mfa(u)) for u in User.objects.all())
    return (club.name, club.jurisdiction, club.rule_overrides, users, AuditEvent.objects.count())


def test_seed_demo_twice_gives_the_same_club(capsys) -> None:
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first
    assert Club.objects.count() == 1
    out = capsys.readouterr().out
    for _role, email, password, *_ in DEMO_USERS:
        assert email in out and password in out
    # A short summary, not hundreds of lines of e-mails (issue 9, point 26).
    assert len(out.splitlines()) < 40 and "Subject:" not in out
    assert "The demo club holds" in out
    assert audit_verify().ok


def test_seed_demo_gives_one_login_per_role() -> None:
    call_command("seed_demo")
    for role, email, *_ in DEMO_USERS:
        user = User.objects.get(email=email)
        assert role in user_roles(user)
        assert has_mfa(user) == (role in STAFF_ROLES)
