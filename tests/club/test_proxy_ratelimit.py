"""Issue 15, point 4: behind the proxy every request comes from the proxy's address; the rate
limits key on the client's (one trusted X-Forwarded-For hop), so one member's failed sign-ins
lock out that client, never the club."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


def _login(client, email: str, password: str, address: str) -> str:
    """ "in" (signed in), "limited" (refused by a rate limit) or "refused" (wrong password)."""
    response = client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=address,
        REMOTE_ADDR="10.0.0.2",  # the proxy
    )
    if response.status_code == 302:
        return "in"
    text = response.content.decode()
    if response.status_code == 429 or "Too many" in text:
        return "limited"
    return "refused"


def test_failed_sign_ins_behind_the_proxy_lock_out_only_their_client(club, settings) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    cache.clear()
    from django.test import Client

    noisy, other = make_member(), make_member()
    attacker = Client()
    codes = [_login(attacker, noisy.user.email, "wrong-password", "203.0.113.5") for _ in range(12)]
    assert codes[0] == "refused" and codes[-1] == "limited"  # that client is slowed down ...
    # ... while another member, through the same proxy, signs in.
    assert _login(Client(), other.user.email, PASSWORD, "198.51.100.7") == "in"
    # Without trusting the proxy, every client looks like the proxy: the club is locked out.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    cache.clear()
    for _ in range(12):
        _login(Client(), noisy.user.email, "wrong-password", "203.0.113.5")
    assert _login(Client(), other.user.email, PASSWORD, "198.51.100.7") == "limited"


def test_the_application_rate_limit_keys_on_the_client_behind_the_proxy(rf, settings) -> None:
    from club.ratelimit import client_key

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    a = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.5", REMOTE_ADDR="10.0.0.2")
    b = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.2")
    assert client_key(a) != client_key(b)
    # A client that forges an earlier hop does not change the address the proxy saw.
    c = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5", REMOTE_ADDR="10.0.0.2")
    assert client_key(c) == client_key(a)
