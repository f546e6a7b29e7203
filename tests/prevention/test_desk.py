"""The prevention officer's desk (issue 14, points 1 and 3 to 6): the appointment and certificate
with its reminders, the concept's versions, consent and signals, contacts, the directory, the
library and its handouts, and peer events. Signals and contacts exist only for members who consent
and only the officer sees them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from club.errors import ServiceError
from club.models import AuditEvent
from club.roles import Role, user_roles
from prevention import services
from prevention.models import (
    Appointment,
    CertificateReminder,
    ConsentChange,
    Contact,
    Handout,
    PeerEvent,
)
from prevention.selectors import consenting, signals
from tests.factories import dispense, make_lot, make_member, make_user, set_rules
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def _appoint(board: Any, **names: Any) -> Any:
    officer = make_user(roles=(Role.MEMBER,), mfa=True, **names)
    services.appointment_record(
        actor=board,
        user_id=officer.pk,
        kind="appointed",
        effective_on=timezone.localdate(),
        decision="Board meeting, item 4",
    )
    officer.__dict__.pop("_csc_roles", None)
    return officer


def _certificate(board: Any, officer: Any, expires_in: int) -> Any:
    today = timezone.localdate()
    return services.certificate_record(
        actor=board,
        user_id=officer.pk,
        course="Suchtprävention",
        issuer="Landesstelle",
        issued_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=expires_in),
    )


# --- Appointment and certificate ---------------------------------------------------------------


def test_the_board_appoints_and_ends_the_officer_who_gains_and_loses_the_role(board) -> None:
    officer = _appoint(board, first_name="Paula")
    assert Role.PREVENTION_OFFICER in user_roles(officer)
    assert Role.MEMBER in user_roles(officer)  # other roles stay
    with pytest.raises(ServiceError) as again:
        services.appointment_record(
            actor=board,
            user_id=officer.pk,
            kind="appointed",
            effective_on=timezone.localdate(),
            decision="again",
        )
    assert again.value.code == "ALREADY_APPOINTED"
    services.appointment_record(
        actor=board,
        user_id=officer.pk,
        kind="ended",
        effective_on=timezone.localdate(),
        decision="Board meeting, item 9",
    )
    officer.__dict__.pop("_csc_roles", None)
    assert Role.PREVENTION_OFFICER not in user_roles(officer)
    assert [a.kind for a in Appointment.objects.order_by("pk")] == ["appointed", "ended"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"prevention.appointment.appointed", "prevention.appointment.ended"} <= actions


def test_a_certificate_is_only_for_an_appointed_officer_and_expires_after_issue(board) -> None:
    stranger = make_user()
    with pytest.raises(ServiceError) as refused:
        _certificate(board, stranger, 100)
    assert refused.value.code == "NOT_APPOINTED"
    officer = _appoint(board)
    today = timezone.localdate()
    with pytest.raises(ServiceError) as backwards:
        services.certificate_record(
            actor=board,
            user_id=officer.pk,
            course="x",
            issuer="y",
            issued_on=today,
            expires_on=today,
        )
    assert backwards.value.fields == {
        "expires_on": ["The certificate must expire after it was issued."]
    }


def test_the_certificate_expiry_reminder_goes_once_per_step_to_the_officer_and_board(
    board, django_capture_on_commit_callbacks
) -> None:
    officer = _appoint(board)
    certificate = _certificate(board, officer, 50)
    today = timezone.localdate()
    mail.outbox.clear()
    assert services.certificate_reminders_send(today=today - dt.timedelta(days=20)) == 0  # 70 left
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificate_reminders_send(today=today) == 1  # 50 days left: step 60
    assert services.certificate_reminders_send(today=today) == 0  # the same step once
    assert services.certificate_reminders_send(today=today + dt.timedelta(days=5)) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {officer.email, board.email}
    assert "lapses in 50 days" in message.subject
    assert "Suchtprävention" in message.body
    # Ten days before: the 14-day step; on the day: the lapse.
    assert services.certificate_reminders_send(today=today + dt.timedelta(days=40)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificate_reminders_send(today=today + dt.timedelta(days=50)) == 1
    assert services.certificate_reminders_send(today=today + dt.timedelta(days=51)) == 0
    assert list(
        CertificateReminder.objects.filter(certificate=certificate)
        .order_by("pk")
        .values_list("days_before", flat=True)
    ) == [60, 14, 0]
    assert "has lapsed" in mail.outbox[-1].subject
    # A new certificate starts afresh; far from its expiry, nothing is sent.
    _certificate(board, officer, 700)
    assert services.certificate_reminders_send(today=today + dt.timedelta(days=60)) == 0


def test_the_reminder_task_is_scheduled_and_runs(board) -> None:
    from compliance.schedules import DEFAULTS
    from prevention.tasks import certificate_reminders_task

    assert "prevention.tasks.certificate_reminders_task" in {d.task for d in DEFAULTS}
    _certificate(board, _appoint(board), 3)
    assert certificate_reminders_task.apply().get() == 1


def test_the_desk_warns_of_a_lapsing_certificate(client, board) -> None:
    officer = _appoint(board)
    client.force_login(officer)
    page = client.get("/prevention/").content.decode()
    assert 'data-certificate="missing"' in page
    _certificate(board, officer, 10)
    page = client.get("/prevention/").content.decode()
    assert 'data-certificate="soon"' in page and "lapses in 10 days" in page


# --- Concept -----------------------------------------------------------------------------------


def test_concept_versions_are_numbered_and_every_member_reads_each(client, board) -> None:
    officer = _appoint(board)
    services.concept_publish(actor=officer, title="Concept", body="First text.")
    services.concept_publish(
        actor=officer, title="Concept", body="Second text.", changes="Youth rules"
    )
    member = make_member()
    client.force_login(member.user)
    page = client.get("/prevention/concept/").content.decode()
    assert "Second text." in page and "Version 2" in page and "First text." not in page
    assert "First text." in client.get("/prevention/concept/1/").content.decode()
    assert client.get("/prevention/concept/3/").status_code == 404
    with pytest.raises(ServiceError):
        services.concept_publish(actor=officer, title="Concept", body="   ")
    with pytest.raises(ServiceError) as unchanged:  # a double-clicked submit
        services.concept_publish(actor=officer, title="Concept", body="Second text.")
    assert unchanged.value.code == "CONCEPT_UNCHANGED"


# --- Consent, signals and contacts ---------------------------------------------------------------


def _at_the_limit_for_three_months(member: Any, lot: Any) -> None:
    """40 g (80 % of the DE limit of 50 g) in each of the last three complete months."""
    first = timezone.localdate().replace(day=1)
    for back in (1, 2, 3):
        month = (first - dt.timedelta(days=1)).replace(day=1)
        for _ in range(back - 1):
            month = (month - dt.timedelta(days=1)).replace(day=1)
        for day in (3, 10):
            at = dt.datetime(month.year, month.month, day, 12, tzinfo=BERLIN)
            dispense(member, lot, "20", at=at)


@pytest.fixture
def signal_setup(board) -> dict[str, Any]:
    set_rules("DE")
    lot = make_lot(grams="1000", thc="9")
    willing = make_member(age=35, first_name="Wilma", last_name="Willing")
    unwilling = make_member(age=35, first_name="Udo", last_name="Unwilling")
    for m in (willing, unwilling):
        _at_the_limit_for_three_months(m, lot)
    services.consent_set(actor=willing.user, number=willing.number, given=True)
    return {"willing": willing, "unwilling": unwilling, "officer": _appoint(board), "lot": lot}


def test_signals_only_for_members_who_consent(signal_setup) -> None:
    willing, unwilling = signal_setup["willing"], signal_setup["unwilling"]
    found = signals(today=timezone.localdate())
    assert [s.member.pk for s in found] == [willing.pk]
    assert found[0].at_limit_months >= 3
    assert [g for _m, g in found[0].months[:3]] == [Decimal("40.00")] * 3
    assert unwilling.pk not in {s.member.pk for s in found}
    # Withdrawn consent: the officer sees nothing individual any more.
    services.consent_set(actor=willing.user, number=willing.number, given=False)
    assert signals(today=timezone.localdate()) == []


def test_a_steep_rise_is_a_signal(board) -> None:
    set_rules("DE")
    lot = make_lot(grams="500", thc="9")
    member = make_member(age=35)
    services.consent_set(actor=member.user, number=member.number, given=True)
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    dispense(member, lot, "5", at=dt.datetime(before.year, before.month, 5, 12, tzinfo=BERLIN))
    dispense(member, lot, "15", at=dt.datetime(last.year, last.month, 5, 12, tzinfo=BERLIN))
    found = signals(today=timezone.localdate())
    assert len(found) == 1 and found[0].rise is not None and found[0].rise >= 2
    assert found[0].at_limit_months == 0


def test_only_the_officer_sees_signals_and_nobody_sees_a_member_without_consent(
    client, board, signal_setup
) -> None:
    willing, unwilling = signal_setup["willing"], signal_setup["unwilling"]
    officer = signal_setup["officer"]
    services.contact_record(
        actor=officer, number=willing.number, on=timezone.localdate(), topic="safer_use"
    )
    client.force_login(officer)
    page = client.get("/prevention/signals/").content.decode()
    assert "Willing" in page and "Unwilling" not in page
    # Every page the officer or the board opens leaves out the member without consent.
    for user in (officer, board):
        client.force_login(user)
        for url in ("/prevention/", "/prevention/trends/", "/prevention/signals/"):
            text = client.get(url).content.decode()
            assert "Unwilling" not in text and f'data-member="{unwilling.number}"' not in text
    client.force_login(board)
    assert client.get("/prevention/signals/").status_code == 403
    assert client.get(f"/prevention/contacts/{willing.number}/new/").status_code == 403
    client.force_login(officer)
    assert client.get(f"/prevention/contacts/{unwilling.number}/new/").status_code == 404
    response = client.get(f"/prevention/contacts/new/?number={unwilling.number}", follow=True)
    assert "No member with this number has agreed to be contacted." in response.content.decode()


def test_a_contact_needs_consent_and_holds_no_free_text(signal_setup) -> None:
    officer = signal_setup["officer"]
    unwilling = signal_setup["unwilling"]
    today = timezone.localdate()
    with pytest.raises(ServiceError) as refused:
        services.contact_record(actor=officer, number=unwilling.number, on=today, topic="other")
    assert refused.value.code == "NO_CONSENT"
    willing = signal_setup["willing"]
    with pytest.raises(ServiceError) as future:
        services.contact_record(
            actor=officer, number=willing.number, on=today + dt.timedelta(days=1), topic="other"
        )
    assert "on" in future.value.fields
    with pytest.raises(ServiceError):
        services.contact_record(actor=officer, number=willing.number, on=today, topic="cancer")
    assert Contact.objects.count() == 0
    text_fields = {
        f.name
        for f in Contact._meta.get_fields()
        if getattr(f, "get_internal_type", lambda: "")() in {"TextField", "CharField"}
    }
    assert text_fields == {"topic"}  # a choice, nothing free


def test_a_member_sets_only_their_own_consent_and_the_same_answer_twice_writes_nothing(
    client,
) -> None:
    a, b = make_member(), make_member()
    with pytest.raises(ServiceError):
        services.consent_set(actor=a.user, number=b.number, given=True)
    client.force_login(a.user)
    client.post("/prevention/help/consent/", {"given": "1"})
    client.post("/prevention/help/consent/", {"given": "1"})  # a double click
    assert list(ConsentChange.objects.values_list("member_id", "given")) == [(a.pk, True)]
    page = client.get("/prevention/help/").content.decode()
    assert 'data-consent="given"' in page
    client.post("/prevention/help/consent/", {"given": "0"})
    assert not consenting().filter(pk=a.pk).exists()
    assert 'data-consent="none"' in client.get("/prevention/help/").content.decode()


# --- Directory, library, handouts, leaflet -----------------------------------------------------


def _service(officer: Any, name: str = "Beratung Mitte", **kw: Any) -> Any:
    values = {
        "kind": "counselling",
        "contact": "030 1234567",
        "languages": "Deutsch, English",
        "hours": "Mon-Thu 10-18",
        **kw,
    }
    return services.service_save(actor=officer, name=name, **values)


def test_the_member_sees_the_directory_and_articles_in_their_language(client, board) -> None:
    from members.services import member_language_set

    officer = _appoint(board)
    _service(officer)
    _service(officer, "Closed Service", active=False)
    services.article_save(
        actor=officer,
        topic="driving",
        language="en",
        title="Driving",
        body="Don't.",
        published=True,
    )
    services.article_save(
        actor=officer,
        topic="driving",
        language="de",
        title="Autofahren",
        body="Nicht.",
        published=True,
    )
    services.article_save(
        actor=officer,
        topic="pregnancy",
        language="en",
        title="Pregnancy",
        body="No.",
        published=True,
    )
    draft = services.article_save(
        actor=officer, topic="mixing", language="en", title="Mixing draft", body="..."
    )
    member = make_member()
    member_language_set(actor=member.user, number=member.number, language="de")
    client.force_login(member.user)
    page = client.get("/prevention/help/").content.decode()
    assert "Beratung Mitte" in page and "030 1234567" in page and "Mon-Thu 10-18" in page
    assert "Closed Service" not in page
    with pytest.raises(ServiceError) as listed:
        _service(officer, "beratung mitte")
    assert listed.value.code == "SERVICE_EXISTS"
    assert "Autofahren" in page and ">Driving<" not in page  # German where there is one
    assert "Pregnancy" in page  # else the one there is
    assert "Mixing draft" not in page
    assert client.get(f"/prevention/articles/{draft.pk}/").status_code == 404
    with pytest.raises(ServiceError) as twice:
        services.article_save(
            actor=officer, topic="driving", language="de", title="Noch einmal", body="x"
        )
    assert twice.value.code == "ARTICLE_EXISTS"


def test_the_counter_prints_an_article_and_the_handout_is_logged_once(client, board) -> None:
    officer = _appoint(board)
    _service(officer, "Hotline Sucht", contact="01806 313031")
    article = services.article_save(
        actor=officer,
        topic="dependence",
        language="en",
        title="Signs of dependence",
        body="Needing more for the same effect is a sign.",
        published=True,
    )
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    client.force_login(clerk)
    assert "Signs of dependence" in client.get("/prevention/handouts/").content.decode()
    first = client.post(f"/prevention/handouts/{article.pk}/")
    second = client.post(f"/prevention/handouts/{article.pk}/")  # a double click
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    text = pdf_text(first.content)
    assert "Signs of dependence" in text and "Needing more" in text and "Hotline Sucht" in text
    assert Handout.objects.filter(article=article).count() == 1
    handout = Handout.objects.get()
    assert handout.handed_by == clerk
    assert not any(f.name == "member" for f in Handout._meta.get_fields())
    member = make_member()
    client.force_login(member.user)
    assert client.post(f"/prevention/handouts/{article.pk}/").status_code == 403


def test_the_leaflet_names_where_to_find_help(board) -> None:
    from dispensing.documents import leaflet_pdf

    _service(_appoint(board), "Drogenberatung Nord", contact="Nordweg 1")
    set_rules("DE")
    d = dispense(make_member(), make_lot(), "2")
    text = pdf_text(leaflet_pdf(d.dispensing))
    assert "Where to find help" in text and "Drogenberatung Nord" in text


# --- Peer events ---------------------------------------------------------------------------------


def test_attendance_at_an_evening_once_per_member_and_not_before_it(board) -> None:
    officer = _appoint(board)
    now = timezone.now()
    past = services.event_save(
        actor=officer,
        title="Strains",
        topic="safer_use",
        starts_at=now - dt.timedelta(days=2),
        place="Room",
    )
    future = services.event_save(
        actor=officer,
        title="Driving",
        topic="driving",
        starts_at=now + dt.timedelta(days=10),
        place="Room",
    )
    member = make_member()
    services.attendance_record(actor=officer, event_id=past.pk, number=member.number)
    with pytest.raises(ServiceError) as twice:
        services.attendance_record(actor=officer, event_id=past.pk, number=member.number)
    assert twice.value.code == "ALREADY_ATTENDED"
    with pytest.raises(ServiceError) as early:
        services.attendance_record(actor=officer, event_id=future.pk, number=member.number)
    assert early.value.code == "EVENT_NOT_YET"
    with pytest.raises(ServiceError):
        services.attendance_record(actor=officer, event_id=past.pk, number=999999)
    assert past.attendances.count() == 1
    with pytest.raises(ServiceError) as twin:  # the same evening submitted twice
        services.event_save(
            actor=officer, title="strains", topic="safer_use", starts_at=past.starts_at, place="R"
        )
    assert twin.value.code == "EVENT_EXISTS"
    services.event_save(
        actor=officer,
        event_id=future.pk,
        title="Driving",
        topic="driving",
        starts_at=future.starts_at,
        place="Room",
        cancelled=True,
    )
    assert PeerEvent.objects.get(pk=future.pk).cancelled


def test_the_member_data_export_holds_consent_contacts_and_attendance(board) -> None:
    from members.selectors import personal_data_export

    officer = _appoint(board)
    member = make_member()
    services.consent_set(actor=member.user, number=member.number, given=True)
    services.contact_record(
        actor=officer, number=member.number, on=timezone.localdate(), topic="reduction"
    )
    event = services.event_save(
        actor=officer,
        title="Evening",
        topic="safer_use",
        starts_at=timezone.now() - dt.timedelta(hours=3),
        place="Room",
    )
    services.attendance_record(actor=officer, event_id=event.pk, number=member.number)
    data = personal_data_export(member.user)["prevention"]
    assert [c["given"] for c in data["consent"]] == [True]
    assert [c["topic"] for c in data["contacts"]] == ["reduction"]
    assert [e["event__title"] for e in data["events_attended"]] == ["Evening"]


# --- Access by role ------------------------------------------------------------------------------

OFFICER_ONLY = [
    "/prevention/signals/",
    "/prevention/concept/new/",
    "/prevention/services/new/",
    "/prevention/articles/new/",
    "/prevention/events/new/",
]
DESK = ["/prevention/", "/prevention/trends/", "/prevention/certificates/new/"]


@pytest.mark.parametrize(
    ("role", "desk", "officer_only", "board_only", "handouts"),
    [
        (Role.PREVENTION_OFFICER, 200, 200, 403, 200),
        (Role.BOARD, 200, 403, 200, 403),
        (Role.COUNTER, 403, 403, 403, 200),
        (Role.TREASURER, 403, 403, 403, 403),
        (Role.GROWER, 403, 403, 403, 403),
        (Role.MEMBER, 403, 403, 403, 403),
    ],
)
def test_access_by_role(client, club, role, desk, officer_only, board_only, handouts) -> None:
    client.force_login(make_user(roles=(role,), mfa=True))
    for url in DESK:
        assert client.get(url).status_code == desk, url
    for url in OFFICER_ONLY:
        assert client.get(url).status_code == officer_only, url
    assert client.get("/prevention/appointments/new/").status_code == board_only
    assert client.get("/prevention/handouts/").status_code == handouts
    for url in ("/prevention/help/", "/prevention/concept/"):
        assert client.get(url).status_code == 200, url


def test_every_desk_write_leaves_an_audit_event_and_the_chain_verifies(board, signal_setup) -> None:
    from club.audit import audit_verify

    officer = signal_setup["officer"]
    willing = signal_setup["willing"]
    before = AuditEvent.objects.count()
    services.concept_publish(actor=officer, title="C", body="B")
    service = _service(officer)
    article = services.article_save(
        actor=officer, topic="other", language="en", title="T", body="B", published=True
    )
    services.handout_record(actor=officer, article_id=article.pk)
    services.contact_record(
        actor=officer,
        number=willing.number,
        on=timezone.localdate(),
        topic="other",
        referral_id=service.pk,
    )
    assert AuditEvent.objects.count() == before + 5
    assert audit_verify().ok


def test_the_officer_changes_a_service_and_an_evening_through_their_pages(client, board) -> None:
    officer = _appoint(board)
    service = _service(officer, "Beratung Süd")
    event = services.event_save(
        actor=officer,
        title="Evening",
        topic="safer_use",
        starts_at=timezone.now() + dt.timedelta(days=3),
        place="Room",
    )
    client.force_login(officer)
    page = client.get(f"/prevention/services/{service.pk}/").content.decode()
    assert 'value="Beratung Süd"' in page
    from club.selectors import club_get

    club = club_get()
    assert club is not None
    club_tz = ZoneInfo(club.timezone)  # the page shows the club's time
    local = timezone.localtime(event.starts_at, club_tz).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in client.get(f"/prevention/events/{event.pk}/").content.decode()
    values = {
        "name": "Beratung Süd",
        "kind": "treatment",
        "contact": "Südweg 2",
        "languages": "Deutsch",
        "hours": "Fri 9-12",
    }
    assert client.post(f"/prevention/services/{service.pk}/", values).status_code == 302
    service.refresh_from_db()
    assert (service.kind, service.active) == ("treatment", False)  # unticked: no longer listed
    moved = {"title": "Evening", "topic": "driving", "starts_at": local, "place": "Hall"}
    assert client.post(f"/prevention/events/{event.pk}/", moved).status_code == 302
    event.refresh_from_db()
    assert (event.topic, event.place) == ("driving", "Hall")
