"""Hostile input (issue 9, points 8, 9 and 18): control characters, numbers past their column,
dates past any calendar the app shows, and the API's answers to paths and methods it lacks.

The NUL test enumerates every operation and query parameter from the OpenAPI schema, so a new
endpoint is covered without touching this file."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from club.middleware import has_forbidden_characters
from club.roles import Role
from tests.factories import auth_headers, make_user

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label
        in ("club", "members", "harvests", "dispensing", "governance", "finance", "compliance")
    }


def _operations(client) -> list[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/api/v1/openapi.json").json()
    ops = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            ops.append((method.upper(), path, op))
    return ops


def _fill_path(path: str, value: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", value, path)


@pytest.mark.postgres
def test_a_nul_byte_anywhere_gets_400_and_writes_nothing(client, club) -> None:
    board = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)
    headers = auth_headers(board)
    before = _counts()
    tried = 0
    for method, path, op in _operations(client):
        body_schema = (
            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        if method != "GET":
            fields = ["title", "name", "reason", "grams", "lot", "question", "email", "first_name"]
            if body_schema and "$ref" in body_schema:
                ref = body_schema["$ref"].rsplit("/", 1)[-1]
                component = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
                fields = list(component[ref].get("properties", {})) or fields
            for field in fields:
                for who in (headers, {}):  # with a token, and without (public endpoints)
                    r = client.generic(
                        method,
                        _fill_path(path, "1"),
                        json.dumps({field: "a\x00b"}),
                        content_type="application/json",
                        headers=who,
                    )
                    assert r.status_code == 400, (method, path, field, r.status_code)
                    assert r.json()["code"] == "INVALID_INPUT"
                    tried += 1
        for param in op.get("parameters", []):
            where = param["in"]
            if where == "query":
                url = f"{_fill_path(path, '1')}?{param['name']}=%00"
            else:
                url = _fill_path(path, "%00")
            r = client.generic(method, url, "{}", content_type="application/json", headers=headers)
            assert 400 <= r.status_code < 500, (method, url, r.status_code)
            assert r.json()["code"] in ("INVALID_INPUT", "NOT_FOUND"), (method, url)
            tried += 1
    assert tried > 60
    assert _counts() == before


@pytest.mark.postgres
def test_the_public_application_refuses_nul_without_sign_in(client, club) -> None:
    from tests.factories import application_data

    data = application_data(last_name="Null\x00mann")
    data["date_of_birth"] = str(data["date_of_birth"])
    data["resident_since"] = str(data["resident_since"])
    r = client.post("/api/v1/applications", data, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "INVALID_INPUT"
    page = client.post("/apply/", {"first_name": "A\x00", "last_name": "B"})
    assert page.status_code == 400 and b"not allowed" in page.content
    assert connection.vendor == "postgresql"


def test_control_characters_are_refused_but_tab_and_newlines_pass() -> None:
    assert has_forbidden_characters({"a": ["x", {"k\x07": 1}]})
    assert has_forbidden_characters("\ud800")
    assert has_forbidden_characters("a\x1bb")
    assert not has_forbidden_characters({"text": "line 1\r\nline 2\tend", "n": 5})


def test_every_api_answer_is_json_in_the_error_format(client, club) -> None:
    board = make_user(roles=(Role.BOARD,), mfa=True)
    bearer = auth_headers(board)
    cases = [
        ("GET", "/api/v1/no-such-thing", {}, 404, "NOT_FOUND"),
        ("POST", "/api/v1/no-such-thing", bearer, 404, "NOT_FOUND"),  # no CSRF page
        ("DELETE", "/api/v1/club", bearer, 405, "METHOD_NOT_ALLOWED"),
        ("PUT", "/api/v1/dispensings", bearer, 405, "METHOD_NOT_ALLOWED"),
    ]
    for method, path, headers, status, code in cases:
        r = client.generic(method, path, "{}", content_type="application/json", headers=headers)
        assert r.status_code == status, (method, path, r.status_code)
        assert r["Content-Type"].startswith("application/json"), (method, path)
        assert r.json()["code"] == code and set(r.json()) == {"code", "message", "fields"}


def test_a_csrf_failure_under_the_api_is_json(club) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    board = make_user(roles=(Role.BOARD,), mfa=True)
    strict.force_login(board)
    r = strict.post("/api/v1/no-such-thing", "{}", content_type="application/json")
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    r = strict.post("/api/v1/assemblies", "{}", content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "CSRF_FAILED"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/members?offset=99999999999999999999",
        "/api/v1/members?limit=99999999999999999999",
        "/api/v1/members?offset=-1",
        "/api/v1/members/99999999999999999999",
        "/api/v1/members/99999999999999999999/quota",
        "/api/v1/polls/99999999999999999999/result",
        "/api/v1/me/dispensings?offset=99999999999999999999",
    ],
)
def test_numbers_past_their_column_get_400_or_404(client, club, url: str) -> None:
    board = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)
    headers = auth_headers(board)
    r = client.get(url, headers=headers)
    assert r.status_code in (400, 404), r.status_code
    assert r.json()["code"] in ("INVALID_INPUT", "NOT_FOUND")


def test_pages_with_huge_numbers_answer_404(client, club) -> None:
    board = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)
    client.force_login(board)
    for url in ("/board/members/99999999999999999999/", "/assemblies/99999999999999999999/"):
        assert client.get(url).status_code == 404, url


def test_an_assembly_at_the_end_of_time_is_refused_and_pages_keep_working(client, club) -> None:
    board = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)
    headers = auth_headers(board)
    body = {
        "title": "Doom",
        "kind": "ordinary",
        "mode": "in_person",
        "starts_at": "9999-12-31T23:59:59Z",
        "agenda": ["x"],
    }
    r = client.post("/api/v1/assemblies", body, content_type="application/json", headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "INVALID_INPUT"
    assert "starts_at" in r.json()["fields"]
    client.force_login(board)
    page = client.post(
        "/board/assemblies/",
        {"title": "Doom", "kind": "ordinary", "mode": "in_person", "starts_at": "9999-12-31T23:59"},
    )
    assert page.status_code in (200, 302)
    assert client.get("/board/assemblies/").status_code == 200
    assert client.get("/assemblies/").status_code == 200
    from governance.models import Assembly

    assert not Assembly.objects.exists()


@pytest.mark.parametrize("text", ["\u00b2", "\u0661\u0662", "99999999999999999999"])
def test_digits_that_are_no_number_find_nobody_and_never_fail(client, club, text: str) -> None:
    """Found by the fuzz run: "²".isdigit() is True, and int("²") raised a 500."""
    from tests.factories import make_member

    make_member()
    board = make_user(roles=(Role.BOARD, Role.COUNTER), mfa=True)
    headers = auth_headers(board)
    r = client.get("/api/v1/members", {"search": text}, headers=headers)
    assert r.status_code == 200 and r.json() == []
    client.force_login(board)
    page = client.post("/counter/find/", {"q": text})
    assert page.status_code == 200 and b"No member matches" in page.content
