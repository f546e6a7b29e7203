"""The API skeleton: bearer tokens, the error format, /club, /me, /audit/head."""

from __future__ import annotations

import pytest

from club.errors import ServiceError
from club.models import ApiToken, AuditEvent
from club.roles import Role
from club.selectors import audit_head
from club.services import api_token_create, api_token_revoke, club_update
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_club_endpoint_gives_the_effective_rulebook(client, board) -> None:
    club_update(actor=board, overrides={"month_grams": "40"})
    _, token = api_token_create(user=board, name="laptop")
    body = client.get("/api/v1/club", **bearer(token)).json()
    assert body["name"] == "Grüner Kreis Berlin e.V."
    assert body["jurisdiction"] == "DE"
    assert body["rulebook"]["month_grams"] == "40"  # decimals travel as strings
    assert body["rulebook"]["day_grams"] == "25"
    assert body["rulebook"]["max_members"] == 500
    assert body["overridden"] == ["month_grams"]


def test_me_gives_only_the_callers_own_account(client, member) -> None:
    _, token = api_token_create(user=member, name="phone")
    body = client.get("/api/v1/me", **bearer(token)).json()
    assert body["id"] == member.pk and body["roles"] == ["member"]
    assert body["mfa_enabled"] is False


def test_audit_head_matches_the_chain(client, club) -> None:
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    _, token = api_token_create(user=treasurer, name="t")
    body = client.get("/api/v1/audit/head", **bearer(token)).json()
    last = AuditEvent.objects.order_by("-seq")[0]
    assert body == {"seq": last.seq, "hash": last.hash}
    assert audit_head().seq == last.seq


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic abc", "Token x"])
def test_bad_credentials_get_401_in_the_error_format(client, club, header: str) -> None:
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "NOT_AUTHENTICATED"


def test_revoked_token_stops_working(client, member) -> None:
    token, plain = api_token_create(user=member, name="old")
    assert client.get("/api/v1/me", **bearer(plain)).status_code == 200
    api_token_revoke(user=member, token_id=token.pk)
    assert client.get("/api/v1/me", **bearer(plain)).status_code == 401


def test_token_is_stored_only_as_a_digest(member) -> None:
    token, plain = api_token_create(user=member, name="x")
    stored = ApiToken.objects.get(pk=token.pk)
    assert plain not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64


def test_staff_cannot_create_a_token_before_mfa(club) -> None:
    grower = make_user(roles=(Role.GROWER,), mfa=False)
    with pytest.raises(ServiceError) as exc:
        api_token_create(user=grower, name="t")
    assert exc.value.code == "MFA_REQUIRED"
    assert not ApiToken.objects.filter(user=grower).exists()


def test_someone_elses_token_cannot_be_revoked(client, member) -> None:
    other = make_user(roles=(Role.MEMBER,))
    token, _ = api_token_create(user=other, name="theirs")
    client.force_login(member)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_account_page_creates_and_shows_a_token_once(client, board) -> None:
    client.force_login(board)
    response = client.post("/account/", {"name": "scanner"})
    assert response.status_code == 200
    plain = response.context["new_token"]
    assert plain and plain in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert plain not in client.get("/account/").content.decode()
    assert client.get("/api/v1/me", **bearer(plain)).json()["email"] == board.email


def test_unknown_api_path_is_a_json_404(client) -> None:
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_session_post_without_csrf_is_refused(club, member) -> None:
    from django.test import Client

    from club.api_support import CscAuth
    from club.roles import SIGNED_IN

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    request = csrf_client.post("/account/").wsgi_request  # a POST request with the session
    request.user = member
    with pytest.raises(ServiceError) as exc:
        CscAuth(SIGNED_IN)(request)
    assert exc.value.code == "CSRF_FAILED"
