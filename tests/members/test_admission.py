"""Worked examples of admission, per preset (RULES.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from club.errors import ServiceError
from club.roles import Role
from members.models import ApplicationStatus, Member
from members.services import (
    application_apply,
    application_decide,
    application_submit,
    identity_check_record,
)
from tests.factories import (
    application_data,
    born_years_ago,
    make_member,
    set_rules,
)

pytestmark = pytest.mark.django_db


def refused(**data) -> ServiceError:
    with pytest.raises(ServiceError) as exc:
        application_submit(**application_data(**data))
    return exc.value


def admit(app_id: int, board, reason: str = "ok") -> Member:
    identity_check_record(
        actor=board,
        application_id=app_id,
        document_type="id_card",
        document_last_digits="1234",
        age_confirmed=True,
        residence_confirmed=True,
    )
    member = application_decide(actor=board, application_id=app_id, approve=True, reason=reason)
    assert member is not None
    return member


# --- DE (KCanG) -------------------------------------------------------------------------------


def test_de_17_year_old_is_refused(board) -> None:
    set_rules("DE")
    exc = refused(date_of_birth=born_years_ago(18, days=-1))  # 18 tomorrow
    assert exc.code == "UNDER_MIN_AGE"
    assert not Member.objects.exists()


def test_de_20_year_old_is_admitted_as_young_adult(board) -> None:
    set_rules("DE")
    app = application_submit(
        **application_data(date_of_birth=born_years_ago(20), forecast_grams=Decimal("30"))
    )
    member = admit(app.pk, board)
    from club.selectors import rulebook_get

    assert rulebook_get().is_young_adult(member.age_on(timezone.localdate()))
    assert member.status == "active"
    # Minimum membership of 3 months; no waiting period in the law.
    assert member.first_dispensing_on == member.admitted_on
    assert (member.min_membership_until - member.admitted_on).days in range(89, 93)


def test_de_young_adult_forecast_above_30_g_is_refused(board) -> None:
    set_rules("DE")
    exc = refused(date_of_birth=born_years_ago(20), forecast_grams=Decimal("31"))
    assert exc.code == "FORECAST_ABOVE_LIMIT"


def test_de_adult_forecast_above_50_g_is_refused(board) -> None:
    set_rules("DE")
    assert refused(forecast_grams=Decimal("50.5")).code == "FORECAST_ABOVE_LIMIT"


def test_de_residence_abroad_is_refused(board) -> None:
    set_rules("DE")
    exc = refused(residence_country="AT")
    assert exc.code == "RESIDENCE_COUNTRY"


def test_de_one_club_declaration_is_required(board) -> None:
    set_rules("DE")
    assert refused(one_club_declared=False).code == "DECLARATION_MISSING"


def test_declarations_are_stored_with_time_and_version(board) -> None:
    set_rules("DE")
    app = application_submit(**application_data())
    assert app.one_club_declared_at and app.statutes_accepted_at and app.privacy_accepted_at
    assert app.statutes_version and app.privacy_version and app.one_club_text_version


def test_approval_needs_an_identity_check(board) -> None:
    set_rules("DE")
    app = application_submit(**application_data())
    with pytest.raises(ServiceError) as exc:
        application_decide(actor=board, application_id=app.pk, approve=True, reason="ok")
    assert exc.value.code == "IDENTITY_NOT_CHECKED"
    identity_check_record(
        actor=board,
        application_id=app.pk,
        document_type="passport",
        document_last_digits="12",
        age_confirmed=False,
        residence_confirmed=True,
    )
    with pytest.raises(ServiceError):
        application_decide(actor=board, application_id=app.pk, approve=True, reason="ok")
    assert not Member.objects.filter(application=app).exists()


def test_approval_gives_a_number_role_and_mail(
    board, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    set_rules("DE")
    with django_capture_on_commit_callbacks(execute=True):
        app = application_submit(**application_data())
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [app.email]
    assert "/accounts/confirm-email/" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        member = admit(app.pk, board)
    assert member.number > 0
    assert Role.MEMBER in {r for r in __import__("club.roles").roles.user_roles(member.user)}
    assert mailoutbox[-1].to == [app.email]
    assert str(member.number) in mailoutbox[-1].body
    assert "/accounts/password/reset/key/" in mailoutbox[-1].body
    other = application_submit(**application_data())
    assert admit(other.pk, board).number != member.number


def test_rejection_needs_a_reason_and_is_final(board) -> None:
    set_rules("DE")
    app = application_submit(**application_data())
    with pytest.raises(ServiceError):
        application_decide(actor=board, application_id=app.pk, approve=False, reason="  ")
    application_decide(actor=board, application_id=app.pk, approve=False, reason="no")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    assert app.decisions.get().reason == "no"
    with pytest.raises(ServiceError) as exc:
        application_decide(actor=board, application_id=app.pk, approve=True, reason="changed mind")
    assert exc.value.code == "ILLEGAL_STATUS_MOVE"


def test_an_email_already_registered_is_answered_as_a_new_one_and_told_by_mail(
    client, board, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    """Issue 9, point 20: no EMAIL_TAKEN that tells anyone who is a member."""
    set_rules("DE")
    from members.models import Application

    before = Application.objects.count()
    # The service itself says why, for the board's own tools and the register import.
    assert refused(email=board.email.upper()).code == "EMAIL_TAKEN"
    with django_capture_on_commit_callbacks(execute=True):
        application_apply(**application_data(email=board.email.upper()))
    assert Application.objects.count() == before
    # The API answers both cases alike, byte for byte but for nothing.
    new = application_data(email="new-person@test.example")
    taken = application_data(email=board.email)
    answers = []
    for data in (new, taken):
        body = {k: str(v) if hasattr(v, "isoformat") else v for k, v in data.items()}
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post("/api/v1/applications", body, content_type="application/json")
        answers.append((r.status_code, r.json()))
    assert answers[0] == answers[1] and answers[0][0] == 202
    assert "EMAIL_TAKEN" not in str(answers)
    told = [m for m in mailoutbox if board.email in m.to]
    assert len(told) == 2 and "already has a sign-in" in told[0].body
    assert any("new-person@test.example" in m.to for m in mailoutbox)
    # Other problems are still refused with their codes.
    assert refused(email=board.email, date_of_birth=born_years_ago(16)).code == "UNDER_MIN_AGE"


# --- ES (Catalan template) ---------------------------------------------------------------------


def test_es_no_sponsor_is_refused(board) -> None:
    set_rules("ES")
    assert refused(residence_country="ES").code == "SPONSOR_REQUIRED"


def test_es_therapeutic_user_needs_no_sponsor(board) -> None:
    set_rules("ES")
    app = application_submit(**application_data(residence_country="ES", therapeutic_use=True))
    assert app.status == ApplicationStatus.SUBMITTED
    assert app.sponsor is None


def test_es_sponsor_of_20_days_is_refused(board) -> None:
    set_rules("ES")
    sponsor = make_member(admitted_days_ago=20, country="ES")
    exc = refused(residence_country="ES", sponsor_number=sponsor.number)
    assert exc.code == "SPONSOR_TOO_NEW"


def test_es_unknown_or_suspended_sponsor_is_refused(board) -> None:
    set_rules("ES")
    assert refused(residence_country="ES", sponsor_number=99999).code == "SPONSOR_UNKNOWN"
    suspended = make_member(status="suspended", country="ES")
    assert (
        refused(residence_country="ES", sponsor_number=suspended.number).code == "SPONSOR_UNKNOWN"
    )


def test_es_sponsor_confirms_then_board_admits_with_15_day_wait(board) -> None:
    from members.services import application_sponsor_respond

    set_rules("ES")
    sponsor = make_member(admitted_days_ago=40, country="ES")
    app = application_submit(
        **application_data(residence_country="ES", sponsor_number=sponsor.number)
    )
    assert app.status == ApplicationStatus.AWAITING_SPONSOR
    # Unconfirmed applications do not reach the board.
    from members.selectors import application_queue

    assert app not in application_queue(status="submitted")
    with pytest.raises(ServiceError):
        application_decide(actor=board, application_id=app.pk, approve=True, reason="ok")
    stranger = make_member(country="ES")
    with pytest.raises(ServiceError) as exc:
        application_sponsor_respond(sponsor_user=stranger.user, application_id=app.pk, confirm=True)
    assert exc.value.status == 404
    application_sponsor_respond(sponsor_user=sponsor.user, application_id=app.pk, confirm=True)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.sponsor_confirmed_at
    member = admit(app.pk, board)
    assert member.first_dispensing_on - member.admitted_on == dt.timedelta(days=15)


# --- UY -----------------------------------------------------------------------------------------


def test_uy_46th_member_is_waitlisted_and_offered_a_freed_place(
    board, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    from members.models import MemberStatus
    from members.services import member_status_change

    set_rules("UY")
    # The board member of the fixture is a user, not a member; fill the club to its cap of 45.
    members = [make_member(country="UY", card=False) for _ in range(45)]
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 45
    first = application_submit(
        **application_data(residence_country="UY", forecast_grams=Decimal("30"))
    )
    second = application_submit(
        **application_data(residence_country="UY", forecast_grams=Decimal("30"))
    )
    assert first.status == second.status == ApplicationStatus.WAITLISTED
    with django_capture_on_commit_callbacks(execute=True):
        member_status_change(
            actor=board, number=members[0].number, action="end", reason="moved away"
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ApplicationStatus.SUBMITTED  # first come, first offered
    assert second.status == ApplicationStatus.WAITLISTED
    assert any(first.email in m.to for m in mailoutbox)


def test_uy_forecast_is_capped_by_the_yearly_limit(board) -> None:
    set_rules("UY")
    exc = refused(residence_country="UY", forecast_grams=Decimal("41"))  # 480 g / 12 = 40 g
    assert exc.code == "FORECAST_ABOVE_LIMIT"


@pytest.mark.parametrize("grams", ["-1", "abc", "1e9", "2.555"])
def test_malformed_forecast_is_refused_through_the_api(client, board, grams: str) -> None:
    set_rules("DE")
    payload = {
        k: (v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v)
        for k, v in application_data(forecast_grams=grams).items()
    }
    response = client.post("/api/v1/applications", payload, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("GRAMS_INVALID", "FORECAST_ABOVE_LIMIT")
    from members.models import Application

    assert not Application.objects.exists()


def test_application_through_the_api_accepts_a_comma(client, board) -> None:
    set_rules("DE")
    data = application_data(forecast_grams="12,5")
    payload = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    response = client.post("/api/v1/applications", payload, content_type="application/json")
    assert response.status_code == 202, response.json()
    from members.models import Application

    assert Application.objects.get().forecast_grams == Decimal("12.5")


def test_the_board_reason_is_the_reason_the_member_history_shows(client, board) -> None:
    """Issue 9, point 23."""
    set_rules("DE")
    app = application_submit(**application_data())
    assert app is not None
    member = admit(app.pk, board, reason="Welcome, endorsed by Ada")
    assert member.decisions.get().reason == "Welcome, endorsed by Ada"
    client.force_login(member.user)
    page = client.get("/me/").content.decode()
    assert "<td data-reason>Welcome, endorsed by Ada</td>" in page
    assert "Application approved." not in page
