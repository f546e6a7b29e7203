"""The pages of the admission process, from the public form to the board's decision."""

from __future__ import annotations

import pytest

from members.models import Application, ApplicationStatus, Member
from tests.factories import PASSWORD, born_years_ago, make_member, set_rules

pytestmark = pytest.mark.django_db


def form_data(**over: str) -> dict[str, str]:
    data = {
        "first_name": "Frida",
        "last_name": "Formular",
        "date_of_birth": str(born_years_ago(25)),
        "email": "frida@test.example",
        "password": "Kx9!long-unique-pass",
        "address": "Weg 1, Berlin",
        "residence_country": "de",
        "resident_since": "2012-05-01",
        "forecast_grams": "15,5",
        "one_club_declared": "on",
        "statutes_accepted": "on",
        "privacy_accepted": "on",
    }
    data.update(over)
    return data


def test_public_application_form(
    client, club, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    set_rules("DE")
    assert client.get("/apply/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/apply/", form_data())
    assert response.status_code == 302 and response["Location"] == "/apply/done/"
    app = Application.objects.get()
    assert str(app.forecast_grams) == "15.50" and app.residence_country == "DE"
    assert mailoutbox[0].to == ["frida@test.example"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", str(born_years_ago(16)), "at least 18"),
        ("residence_country", "FR", "live in DE"),
        ("forecast_grams", "-2", "Enter grams"),
        ("forecast_grams", "abc", "Enter grams"),
        ("password", "password123", "too common"),
    ],
)
def test_application_form_refusals_write_nothing(
    client, club, field: str, value: str, message: str
) -> None:
    set_rules("DE")
    response = client.post("/apply/", form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.exists()


def test_double_submitted_application_creates_one(client, club) -> None:
    set_rules("DE")
    client.post("/apply/", form_data())
    response = client.post("/apply/", form_data())
    assert response.status_code == 302 and response["Location"] == "/apply/done/"
    assert Application.objects.count() == 1


def test_board_checks_and_admits_through_the_pages(client, board) -> None:
    set_rules("DE")
    client.post("/apply/", form_data())
    app = Application.objects.get()
    client.force_login(board)
    assert "Formular" in client.get("/board/applications/").content.decode()
    client.post(
        f"/board/applications/{app.pk}/identity-check/",
        {
            "document_type": "id_card",
            "document_last_digits": "9z",
            "age_confirmed": "on",
            "residence_confirmed": "on",
        },
    )
    response = client.post(
        f"/board/applications/{app.pk}/decision/",
        {"decision": "approve", "reason": "Known to the board"},
    )
    member = Member.objects.get()
    assert response["Location"] == f"/board/members/{member.number}/"
    page = client.get(response["Location"]).content.decode()
    assert "Known to the board" not in page or "Admitted" in page
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED


def test_applicant_sees_the_status_after_sign_in(client, club) -> None:
    from allauth.account.models import EmailAddress

    set_rules("DE")
    client.post("/apply/", form_data())
    EmailAddress.objects.filter(email="frida@test.example").update(verified=True)
    client.post(
        "/accounts/login/", {"login": "frida@test.example", "password": "Kx9!long-unique-pass"}
    )
    page = client.get("/me/").content.decode()
    assert "Waiting for the board" in page


def test_member_portal_and_forecast_update(client, club) -> None:
    set_rules("DE")
    member = make_member(forecast="20")
    client.force_login(member.user)
    page = client.get("/me/").content.decode()
    assert str(member.number) in page
    client.post("/me/forecast/", {"grams_per_month": "22,5"})
    assert str(member.forecasts.latest("created_at").grams_per_month) == "22.50"
    client.post("/me/forecast/", {"grams_per_month": "99"})
    assert member.forecasts.count() == 2
    assert PASSWORD


def test_sponsor_confirms_in_the_portal(client, club) -> None:
    from members.services import application_submit
    from tests.factories import application_data

    set_rules("ES")
    sponsor = make_member(admitted_days_ago=60, country="ES")
    app = application_submit(
        **application_data(residence_country="ES", sponsor_number=sponsor.number)
    )
    client.force_login(sponsor.user)
    assert app.first_name in client.get("/me/endorsements/").content.decode()
    client.post(f"/me/endorsements/{app.pk}/", {"answer": "confirm"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED


def test_demand_page(client, board) -> None:
    make_member(forecast="20", card=False)
    client.force_login(board)
    assert "20" in client.get("/board/demand/").content.decode()


def test_a_refused_rejection_says_so_and_nothing_else(client, board) -> None:
    from django.contrib.messages import get_messages

    from members.services import application_decide, application_submit
    from tests.factories import application_data

    set_rules("DE")
    app = application_submit(**application_data())
    application_decide(actor=board, application_id=app.pk, approve=False, reason="first")
    client.force_login(board)
    response = client.post(
        f"/board/applications/{app.pk}/decision/", {"decision": "reject", "reason": "again"}
    )
    assert response["Location"] == f"/board/applications/{app.pk}/"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("cannot move" in t for t in texts)
    assert not any("was rejected" in t for t in texts)
    assert app.decisions.count() == 1


def test_member_chooses_the_language_of_letters(
    client, club, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    from tests.factories import make_assembly

    set_rules("DE")
    member = make_member(card=False)
    client.force_login(member.user)
    client.post("/me/language/", {"language": "es"})
    member.refresh_from_db()
    assert member.language == "es"
    client.post("/me/language/", {"language": "xx"})
    member.refresh_from_db()
    assert member.language == "es"
    with django_capture_on_commit_callbacks(execute=True):
        make_assembly(open_=False)
    assert "Queda convocado" in mailoutbox[-1].body
