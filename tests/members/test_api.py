"""The member endpoints of API.md."""

from __future__ import annotations

import pytest

from club.roles import Role
from members.models import Application, Member
from tests.factories import application_data, make_member, make_user, set_rules
from tests.factories import auth_headers as auth

pytestmark = pytest.mark.django_db


def as_json(data: dict) -> dict:
    return {
        k: (
            v.isoformat()
            if hasattr(v, "isoformat")
            else str(v)
            if v is not None and not isinstance(v, bool)
            else v
        )
        for k, v in data.items()
    }


def test_apply_check_decide_through_the_api(client, board) -> None:
    set_rules("DE")
    response = client.post(
        "/api/v1/applications", as_json(application_data()), content_type="application/json"
    )
    assert response.status_code == 202 and response.json()["status"] == "received"
    app_id = Application.objects.get().pk
    headers = auth(board)
    listed = client.get("/api/v1/applications", {"status": "submitted"}, headers=headers).json()
    assert [a["id"] for a in listed] == [app_id]
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    response = client.post(
        f"/api/v1/applications/{app_id}/identity-check",
        {
            "document_type": "id_card",
            "document_last_digits": "12AB",
            "age_confirmed": True,
            "residence_confirmed": True,
        },
        content_type="application/json",
        headers=auth(clerk),
    )
    assert response.status_code == 201
    # The counter may check identities but not decide.
    response = client.post(
        f"/api/v1/applications/{app_id}/decision",
        {"decision": "approve", "reason": "ok"},
        content_type="application/json",
        headers=auth(clerk),
    )
    assert response.status_code == 403
    response = client.post(
        f"/api/v1/applications/{app_id}/decision",
        {"decision": "approve", "reason": "ok"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    number = response.json()["membership_number"]
    assert Member.objects.get(number=number).application_id == app_id
    detail = client.get(f"/api/v1/members/{number}", headers=headers).json()
    assert detail["status"] == "active" and "date_of_birth" not in detail


def test_refusals_carry_their_code(client, board) -> None:
    set_rules("DE")
    data = as_json(application_data(residence_country="NL"))
    response = client.post("/api/v1/applications", data, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "RESIDENCE_COUNTRY" and "residence_country" in body["fields"]


def test_malformed_application_is_a_400(client, club) -> None:
    response = client.post(
        "/api/v1/applications", {"first_name": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_INPUT"
    response = client.post("/api/v1/applications", "not json", content_type="application/json")
    assert response.status_code == 400


def test_status_change_and_illegal_move(client, board) -> None:
    member = make_member(card=False)
    headers = auth(board)
    url = f"/api/v1/members/{member.number}/status"
    response = client.post(
        url,
        {"action": "expel", "reason": "diversion"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201 and response.json()["status"] == "expelled"
    response = client.post(
        url,
        {"action": "reinstate", "reason": "oops"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "ILLEGAL_STATUS_MOVE"


def test_member_updates_own_forecast_not_others(client, club) -> None:
    set_rules("DE")
    me = make_member(card=False)
    other = make_member(card=False)
    headers = auth(me.user)
    response = client.post(
        f"/api/v1/members/{me.number}/forecasts",
        {"grams_per_month": "12.5"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201
    response = client.post(
        f"/api/v1/members/{other.number}/forecasts",
        {"grams_per_month": "12.5"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/members/{me.number}/forecasts",
        {"grams_per_month": "-1"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert me.forecasts.count() == 2


def test_me_includes_the_membership(client, club) -> None:
    me = make_member(card=False)
    body = client.get("/api/v1/me", headers=auth(me.user)).json()
    assert body["member"]["number"] == me.number
    assert body["roles"] == ["member"]


def test_public_applications_are_rate_limited_per_address(client, club) -> None:
    from members.api import APPLICATIONS_PER_HOUR
    from members.models import Application

    set_rules("DE")
    for _ in range(APPLICATIONS_PER_HOUR):
        r = client.post(
            "/api/v1/applications", as_json(application_data()), content_type="application/json"
        )
        assert r.status_code == 202
    r = client.post(
        "/api/v1/applications", as_json(application_data()), content_type="application/json"
    )
    assert r.status_code == 429 and r.json()["code"] == "RATE_LIMITED"
    assert Application.objects.count() == APPLICATIONS_PER_HOUR
    other = client.post(
        "/api/v1/applications",
        as_json(application_data()),
        content_type="application/json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert other.status_code == 202
