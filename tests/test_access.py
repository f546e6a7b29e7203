"""Every page and every API endpoint against every role, enumerated from the URL configuration.

A page or endpoint added later is covered without touching this file: it must declare who may
open it (``role_required`` / ``RoleRequiredMixin`` / ``auth=requires(...)``), and it is tried
signed out, with each role, and for staff roles without MFA. Paths with parameters take a value
from ``SAMPLE_PARAMS`` (a missing one fails the test, so a new parameter gets a sample).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from club.roles import ALL_ROLES, PUBLIC, SIGNED_IN, STAFF_ROLES, Role
from club.services import api_token_create
from csc.api import api
from tests.factories import make_user

pytestmark = pytest.mark.django_db

OUR_APPS = (
    "club",
    "members",
    "harvests",
    "dispensing",
    "finance",
    "governance",
    "compliance",
    "prevention",
    "csc",
)
# Parameter name → a value to put in the path (objects that do not exist give 404, which is
# still "allowed": the role check comes first).
SAMPLE_PARAMS = {
    "pk": "1",
    "version": "1",
    "id": "1",
    "number": "1",
    "code": "X-1",
    "receipt": "1",
    "application_id": "1",
    "job_id": "1",
    "assembly_id": "1",
    "poll_id": "1",
    "document_id": "1",
    "harvest_id": "1",
    "expense_id": "1",
    "fmt": "csv",
    "run_id": "1",
    "transaction_id": "1",
}


def _sample_path(route: str) -> str:
    route = route.lstrip("^").rstrip("$").lstrip("/")

    def param(m: re.Match[str]) -> str:
        name = m.group("name")
        assert name in SAMPLE_PARAMS, f"add a sample value for path parameter '{name}'"
        return SAMPLE_PARAMS[name]

    route = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", param, route)
    route = re.sub(r"\{(?:\w+:)?(?P<name>\w+)\}", param, route)
    return "/" + route


def _our_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _our_patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            module = getattr(p.callback, "__module__", "") or ""
            route = prefix + str(p.pattern)
            if route.startswith("admin/"):
                continue  # the admin site has its own check (tests/club/test_auth.py)
            if module.split(".")[0] in OUR_APPS and "ninja" not in module:
                yield route, p.callback


PAGES = sorted({path: view for path, view in _our_patterns()}.items())


def test_there_are_pages_to_check() -> None:
    assert len(PAGES) >= 4


@pytest.mark.parametrize(("route", "view"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_declares_its_roles(route: str, view: Any) -> None:
    assert hasattr(view, "csc_access"), f"{route} does not declare who may open it"


# Users who hold several roles: a staff role without MFA must not open anything of its own, even
# for someone who is also a member.
COMBINED = (("board", "member"), ("counter", "member"))


def _users() -> dict[str, Any]:
    users: dict[str, Any] = {"anonymous": None}
    for role in ALL_ROLES:
        users[role.value] = make_user(roles=(role,), mfa=role in STAFF_ROLES)
        if role in STAFF_ROLES:
            users[f"{role.value}-no-mfa"] = make_user(roles=(role,), mfa=False)
    for roles in COMBINED:
        users["+".join(roles)] = make_user(roles=roles, mfa=True)
        users["+".join(roles) + "-no-mfa"] = make_user(roles=roles, mfa=False)
    return users


def _expect(access: Any, who: str) -> str:
    """'ok', 'login', 'mfa' or 'forbidden'."""
    if access == PUBLIC:
        return "ok"
    if who == "anonymous":
        return "login"
    if access == SIGNED_IN:
        return "ok"
    roles = set(who.removesuffix("-no-mfa").split("+"))
    granted = roles & set(access)
    if not granted:
        return "forbidden"
    if who.endswith("-no-mfa") and granted <= STAFF_ROLES:
        return "mfa"
    return "ok"


def _outcome_page(response: Any) -> str:
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return "login"
        if location.startswith("/accounts/2fa/totp/activate/"):
            return "mfa"
    assert response.status_code < 500, response.status_code
    return "ok"


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_against_every_role(client, club, method: str) -> None:
    checked = 0
    for who, user in _users().items():
        for route, view in PAGES:
            client.logout()
            if user is not None:
                client.force_login(user)
            response = getattr(client, method)(_sample_path(route))
            expected = _expect(view.csc_access, who)
            assert _outcome_page(response) == expected, f"{method.upper()} {route} as {who}"
            checked += 1
    assert checked >= len(PAGES) * 12


def _api_operations() -> list[tuple[str, str, Any]]:
    ops = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                access = op.auth_callbacks[0].access if op.auth_callbacks else PUBLIC  # type: ignore[attr-defined]
                for method in op.methods:
                    ops.append((method, "/api/v1" + prefix + path, access))
    return sorted(ops)


API_OPS = _api_operations()


def test_api_enumerates_the_contract_so_far() -> None:
    paths = {(m, p) for m, p, _ in API_OPS}
    assert {("GET", "/api/v1/club"), ("GET", "/api/v1/me"), ("GET", "/api/v1/audit/head")} <= paths


def _outcome_api(response: Any) -> str:
    assert response.status_code < 500
    if response.status_code == 401:
        return "login"
    if response.status_code == 403:
        return "mfa" if response.json()["code"] == "MFA_REQUIRED" else "forbidden"
    return "ok"


def test_every_endpoint_against_every_role_with_a_token(client, club) -> None:
    for who, user in _users().items():
        headers = {}
        if user is not None:
            if who.endswith("-no-mfa"):
                # Staff cannot create a token before MFA; a token made before MFA was removed
                # would meet the same wall, which this simulates.
                from allauth.mfa.models import Authenticator

                from club.services import user_totp_activate
                from tests.factories import TOTP_SECRET

                user_totp_activate(actor=None, user=user, secret=TOTP_SECRET)
                _, plain = api_token_create(user=user, name="t")
                Authenticator.objects.filter(user=user).delete()
            else:
                _, plain = api_token_create(user=user, name="t")
            headers = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
        for method, path, access in API_OPS:
            response = client.generic(
                method, _sample_path(path), "{}", content_type="application/json", **headers
            )
            expected = _expect(access, who)
            assert _outcome_api(response) == expected, f"{method} {path} as {who}"
            if response.status_code >= 400:
                body = response.json()
                assert set(body) >= {"code", "message", "fields"}, body


def test_every_endpoint_with_a_session(client, club) -> None:
    for who, user in _users().items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for method, path, access in API_OPS:
            if method != "GET":
                continue
            response = client.get(_sample_path(path))
            assert _outcome_api(response) == _expect(access, who), f"{path} as {who}"


def test_openapi_schema_is_public_and_lists_the_endpoints(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/club" in schema["paths"] and "/api/v1/audit/head" in schema["paths"]


def test_roles_exist_as_groups() -> None:
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
