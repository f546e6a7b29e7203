"""A member never reads another member's data: every page and endpoint a member may open gives
404 for someone else's object, and the member's own pages show only their own data."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from club.roles import PUBLIC, SIGNED_IN, Role
from members.services import application_submit
from tests.factories import application_data, make_member, make_user
from tests.test_access import API_OPS, PAGES

pytestmark = pytest.mark.django_db


# Parameters naming the club's shared objects (an assembly, its polls and documents, the versions
# of the health concept), which every member may read; everything else a member can reach by id
# must be their own.
SHARED_PARAMS = {"assembly_id", "poll_id", "document_id", "version"}


def _member_can_open(access: object) -> bool:
    return access in (SIGNED_IN, PUBLIC) or (
        isinstance(access, frozenset) and Role.MEMBER in access
    )


def _fill(route: str, values: dict[str, str]) -> str | None:
    names = re.findall(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", route)
    out = route.lstrip("^").rstrip("$")
    for a, b in names:
        name = a or b
        if name not in values:
            return None
        out = re.sub(rf"<(?:\w+:)?{name}>|\{{{name}\}}", values[name], out)
    return "/" + out.lstrip("/")


def test_another_members_objects_are_not_found_anywhere(client, club) -> None:
    alice = make_member(first_name="Alice", last_name="Eigen")
    bob = make_member(first_name="Bob", last_name="Fremd")
    bob_app = application_submit(**application_data(first_name="Bobby", last_name="Fremd"))
    from club.services import api_token_create

    bob_token, _ = api_token_create(user=bob.user, name="bob's")
    values = {
        "number": str(bob.number),
        "application_id": str(bob_app.pk),
        "id": str(bob_app.pk),
        "pk": str(bob_token.pk),
    }
    client.force_login(alice.user)
    tried = 0
    for route, view in PAGES:
        if "<" not in route or not _member_can_open(view.csc_access):
            continue
        if set(re.findall(r"<(?:\w+:)?(\w+)>", route)) <= SHARED_PARAMS:
            continue  # the club's own objects, the same for every member
        path = _fill(route, values)
        assert path is not None, f"{route}: give this parameter a value of Bob's"
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code in (404, 405), f"{method} {path}: {response.status_code}"
            tried += 1
    for method, path, access in API_OPS:
        if "{" not in path or not _member_can_open(access):
            continue
        if path.startswith(("/api/v1/polls/", "/api/v1/assemblies/")):
            continue  # shared club objects, as above
        filled = _fill(path, values)
        assert filled is not None, f"{path}: give this parameter a value of Bob's"
        response = client.generic(
            method, filled, '{"grams_per_month": "10"}', content_type="application/json"
        )
        assert response.status_code == 404, f"{method} {filled}: {response.status_code}"
        tried += 1
    assert tried >= 5
    bob.refresh_from_db()
    assert bob.forecasts.count() == 1
    bob_token.refresh_from_db()
    assert bob_token.revoked_at is None
    bob_app.refresh_from_db()
    assert bob_app.status == "submitted"


@pytest.mark.parametrize("path", ["/me/", "/me/data.json", "/api/v1/me", "/me/endorsements/"])
def test_own_pages_show_only_own_data(client, club, path: str) -> None:
    alice = make_member(first_name="Alice", last_name="Eigen")
    bob = make_member(first_name="Bob", last_name="Fremdling")
    client.force_login(alice.user)
    body = client.get(path).content.decode()
    assert "Fremdling" not in body and bob.user.email not in body


def test_data_export_holds_everything_about_the_member(client, club) -> None:
    import json

    alice = make_member(first_name="Alice", last_name="Eigen")
    client.force_login(alice.user)
    data = json.loads(client.get("/me/data.json").content)
    assert data["membership"]["number"] == alice.number
    assert data["forecasts"] and data["membership_decisions"] and data["cards"]
    assert data["account"]["email"] == alice.user.email


def test_member_list_query_count_does_not_grow_with_members(client, board) -> None:
    client.force_login(board)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/board/members/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make_member(card=False)
    small = count()
    for _ in range(40):
        make_member(card=False)
    assert count() == small


def test_member_search_by_number_and_name(client, board) -> None:
    target = make_member(first_name="Zora", last_name="Suchbar", card=False)
    make_member(first_name="Other", last_name="Person", card=False)
    client.force_login(board)
    page = client.get("/board/members/", {"q": "suchbar"}).content.decode()
    assert "Suchbar" in page and "Person" not in page
    page = client.get("/board/members/", {"q": str(target.number)}).content.decode()
    assert "Suchbar" in page
    response = client.get(
        "/api/v1/members", {"search": "zora"}, headers={"Authorization": f"Bearer {_token(board)}"}
    )
    assert [m["number"] for m in response.json()] == [target.number]


def _token(user: object) -> str:
    from club.services import api_token_create

    return api_token_create(user=user, name="t")[1]  # type: ignore[arg-type]


def test_counter_cannot_change_membership(client, club) -> None:
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    member = make_member(card=False)
    client.force_login(clerk)
    response = client.post(
        f"/board/members/{member.number}/status/", {"action": "suspend", "reason": "x"}
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.status == "active"
