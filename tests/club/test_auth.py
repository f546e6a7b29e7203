"""Sign-in: e-mail and password, verified e-mail, rate limits, MFA for staff, board-only admin."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from club.roles import Role
from tests.factories import PASSWORD, make_user, totp_now

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_login_with_email_and_password(client, club) -> None:
    user = make_user(roles=(Role.MEMBER,), email="Ana@Test.Example")
    response = client.post(LOGIN, {"login": "ana@test.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_there_are_no_usernames() -> None:
    from club.models import User

    assert User.USERNAME_FIELD == "email"
    assert "username" not in {f.name for f in User._meta.get_fields()}


def test_unverified_email_cannot_sign_in(client, club, mailoutbox) -> None:
    make_user(roles=(Role.MEMBER,), email="new@test.example", verified=False)
    response = client.post(LOGIN, {"login": "new@test.example", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/confirm-email/")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new@test.example"]


def test_open_signup_is_closed(client, club) -> None:
    response = client.post(
        "/accounts/signup/",
        {"email": "x@test.example", "password1": "Zq8!long-pass", "password2": "Zq8!long-pass"},
    )
    assert not EmailAddress.objects.filter(email="x@test.example").exists()
    assert response.status_code == 200


@pytest.mark.parametrize("password", ["password123", "12345678901", "short"])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_failed_logins_are_rate_limited(client, club) -> None:
    make_user(roles=(Role.MEMBER,), email="target@test.example")
    for _ in range(5):
        response = client.post(
            LOGIN, {"login": "target@test.example", "password": "wrong-password"}
        )
        assert response.status_code == 200
    # Even the right password is refused now: the account is locked for a while.
    response = client.post(LOGIN, {"login": "target@test.example", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_staff_page_refused_without_mfa(client, club) -> None:
    user = make_user(roles=(Role.BOARD,), mfa=False)
    client.force_login(user)
    response = client.get("/club/edit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_page_allowed_with_mfa(client, board) -> None:
    client.force_login(board)
    assert client.get("/club/edit/").status_code == 200


def test_member_needs_no_mfa_for_member_pages(client, member) -> None:
    client.force_login(member)
    assert client.get("/account/").status_code == 200


def test_staff_login_asks_for_the_totp_code(client, club) -> None:
    user = make_user(roles=(Role.COUNTER,), mfa=True, email="clerk@test.example")
    response = client.post(LOGIN, {"login": "clerk@test.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_now()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_admin_is_for_the_board_with_mfa_only(client, club) -> None:
    board = make_user(roles=(Role.BOARD,), mfa=True)
    board_no_mfa = make_user(roles=(Role.BOARD,), mfa=False)
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    assert client.get("/admin/").status_code == 302  # to sign-in
    client.force_login(treasurer)
    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/club/auditevent/").status_code in (302, 403)
    client.force_login(board_no_mfa)
    assert client.get("/admin/").status_code in (302, 403)
    client.force_login(board)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/club/auditevent/").status_code == 200
    # Read-only: the board changes records through the pages, which audit every write.
    assert client.get("/admin/club/club/add/").status_code == 403
