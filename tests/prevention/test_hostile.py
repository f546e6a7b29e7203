"""The officer's forms under hostile input (on PostgreSQL in CI): a clear answer, never a 500,
nothing written; and the signals page's queries do not grow with the members it shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from club.models import AuditEvent
from club.roles import Role
from prevention import services
from prevention.models import Article, Attendance, Contact, PeerEvent, Service
from prevention.selectors import signals
from tests.factories import dispense, make_lot, make_member, make_user, set_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(board):
    user = make_user(roles=(Role.MEMBER,), mfa=True)
    services.appointment_record(
        actor=board,
        user_id=user.pk,
        kind="appointed",
        effective_on=timezone.localdate(),
        decision="Board meeting, item 1",
    )
    user.__dict__.pop("_csc_roles", None)
    return user


HOSTILE = [
    (
        "/prevention/services/new/",
        {"name": "x" * 201, "kind": "counselling", "contact": "c", "languages": "de", "hours": "h"},
    ),
    (
        "/prevention/services/new/",
        {"name": "N", "kind": "casino", "contact": "c", "languages": "de", "hours": "h"},
    ),
    (
        "/prevention/articles/new/",
        {"topic": "driving", "language": "xx", "title": "T", "body": "B"},
    ),
    (
        "/prevention/articles/new/",
        {"topic": "driving", "language": "en", "title": "T", "body": "b" * 20001},
    ),
    (
        "/prevention/events/new/",
        {"title": "T", "topic": "driving", "starts_at": "9999-12-31T23:59", "place": "P"},
    ),
    (
        "/prevention/events/new/",
        {"title": "T", "topic": "driving", "starts_at": "31.12.2026", "place": "P"},
    ),
    (
        "/prevention/certificates/new/",
        {
            "user_id": "99999999999999999999",
            "course": "c",
            "issuer": "i",
            "issued_on": "2026-01-01",
            "expires_on": "2025-01-01",
        },
    ),
    ("/prevention/concept/new/", {"title": "", "body": ""}),
]


@pytest.mark.parametrize(("path", "data"), HOSTILE)
def test_hostile_input_on_the_officers_forms_writes_nothing(client, officer, path, data) -> None:
    client.force_login(officer)
    before = AuditEvent.objects.count()
    response = client.post(path, data)
    assert response.status_code == 200  # the form again, with what is wrong on it
    assert 'class="errorlist"' in response.content.decode() or "alert" in response.content.decode()
    assert AuditEvent.objects.count() == before
    assert not (Service.objects.exists() or Article.objects.exists() or PeerEvent.objects.exists())


def test_hostile_contact_and_attendance_input_writes_nothing(client, officer) -> None:
    member = make_member()
    services.consent_set(actor=member.user, number=member.number, given=True)
    event = services.event_save(
        actor=officer,
        title="Evening",
        topic="safer_use",
        starts_at=timezone.now() - dt.timedelta(hours=2),
        place="Room",
    )
    client.force_login(officer)
    for data in (
        {"on": "9999-12-31", "topic": "other"},
        {"on": "2026-13-01", "topic": "other"},
        {"on": str(timezone.localdate()), "topic": "other", "referral_id": "99999999999999"},
    ):
        response = client.post(f"/prevention/contacts/{member.number}/new/", data)
        assert response.status_code == 200, data
    for number in ("-1", "1e9", "99999999999999999999", "١٢"):
        response = client.post(f"/prevention/events/{event.pk}/attendance/", {"number": number})
        assert response.status_code == 200, number
    assert client.get("/prevention/contacts/new/?number=99999999999999999999").status_code == 302
    assert not Contact.objects.exists() and not Attendance.objects.exists()


def test_the_signals_take_the_same_queries_for_two_members_as_for_eight(
    officer, django_assert_max_num_queries
) -> None:
    set_rules("DE")
    lot = make_lot(grams="2000", thc="9")
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)

    def rising_member() -> None:
        m = make_member()
        services.consent_set(actor=m.user, number=m.number, given=True)
        for day, grams in ((before, "2"), (last, "10")):
            dispense(m, lot, grams, at=timezone.make_aware(dt.datetime(day.year, day.month, 5, 12)))
        services.contact_record(
            actor=officer, number=m.number, on=timezone.localdate(), topic="other"
        )

    for _ in range(2):
        rising_member()
    with django_assert_max_num_queries(5):
        assert len(signals(today=timezone.localdate())) == 2
    for _ in range(6):
        rising_member()
    with django_assert_max_num_queries(5):
        found = signals(today=timezone.localdate())
    assert len(found) == 8 and all(s.last_contact == timezone.localdate() for s in found)
