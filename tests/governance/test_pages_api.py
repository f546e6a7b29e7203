"""Running an assembly through the pages and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from club.roles import Role
from governance.models import Assembly, AssemblyStatus, Poll, PollStatus
from tests.factories import auth_headers as auth
from tests.factories import make_member, make_user, set_rules

pytestmark = pytest.mark.django_db


def test_the_whole_assembly_through_the_api(
    client, club, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    set_rules("DE")
    board = make_user(roles=(Role.BOARD,), mfa=True)
    voters = [make_member(card=False) for _ in range(3)]
    h = auth(board)
    starts = (timezone.now() + dt.timedelta(days=30)).isoformat()
    r = client.post(
        "/api/v1/assemblies",
        {
            "title": "AGM",
            "kind": "ordinary",
            "mode": "in_person",
            "starts_at": starts,
            "place": "Room",
            "agenda": ["Accounts"],
        },
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201
    aid, item = r.json()["id"], r.json()["items"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/assemblies/{aid}/convene", headers=h).status_code == 200
    assert len(mailoutbox) == 3
    client.post(f"/api/v1/assemblies/{aid}/open", headers=h)
    r = client.post(
        f"/api/v1/assemblies/{aid}/polls",
        {"item_id": item, "question": "Approve?", "majority": "simple", "visibility": "secret"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201
    pid = r.json()["id"]
    client.post(f"/api/v1/polls/{pid}/open", headers=h)
    for voter, choice in zip(voters, ["yes", "yes", "no"], strict=True):
        r = client.post(
            f"/api/v1/polls/{pid}/ballots",
            {"choice": choice},
            content_type="application/json",
            headers=auth(voter.user),
        )
        assert r.status_code == 201 and len(r.json()["receipt_code"]) == 12
    r = client.post(
        f"/api/v1/polls/{pid}/ballots",
        {"choice": "no"},
        content_type="application/json",
        headers=auth(voters[0].user),
    )
    assert r.status_code == 409 and r.json()["code"] == "ALREADY_VOTED"
    assert (
        client.get(f"/api/v1/polls/{pid}/result", headers=auth(voters[0].user)).json()["result"]
        is None
    )
    client.post(f"/api/v1/polls/{pid}/close", headers=h)
    result = client.get(f"/api/v1/polls/{pid}/result", headers=auth(voters[0].user)).json()
    assert result["result"]["counts"]["yes"] == 2 and result["result"]["adopted"] is True


def test_board_runs_it_live_and_members_vote_in_the_portal(client, club) -> None:
    set_rules("DE")
    board = make_user(roles=(Role.BOARD,), mfa=True)
    voter = make_member(card=False)
    client.force_login(board)
    starts = (timezone.now() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        "/board/assemblies/",
        {
            "title": "Live",
            "kind": "ordinary",
            "mode": "in_person",
            "starts_at": starts,
            "place": "Room",
        },
    )
    assembly = Assembly.objects.get(title="Live")
    act = f"/board/assemblies/{assembly.pk}/action/"
    assert r["Location"] == f"/board/assemblies/{assembly.pk}/"
    client.post(act, {"op": "item", "title": "Fees 2027"})
    client.post(act, {"op": "convene"})
    client.post(act, {"op": "open"})
    item = assembly.items.get()
    client.post(
        act,
        {
            "op": "poll",
            "item": item.pk,
            "question": "Keep the fee at 20 EUR",
            "majority": "simple",
            "visibility": "named",
            "kind": "motion",
        },
    )
    poll = Poll.objects.get()
    client.post(act, {"op": "poll_open", "poll": poll.pk})
    client.post(act, {"op": "check_in", "member": voter.number})
    page = client.get(f"/board/assemblies/{assembly.pk}/").content.decode()
    assert "Keep the fee at 20 EUR" in page
    client.force_login(voter.user)
    assert "Keep the fee" in client.get(f"/assemblies/{assembly.pk}/").content.decode()
    client.post(f"/polls/{poll.pk}/vote/", {"choice": "yes"})
    client.force_login(board)
    client.post(act, {"op": "poll_close", "poll": poll.pk})
    client.post(act, {"op": "close"})
    client.post(act, {"op": "nonsense"})
    poll.refresh_from_db()
    assembly.refresh_from_db()
    assert poll.status == PollStatus.CLOSED and (poll.result or {})["counts"]["yes"] == 1
    assert assembly.status == AssemblyStatus.CLOSED


def test_members_do_not_see_draft_assemblies(client, club) -> None:
    from governance.services import assembly_create

    draft = assembly_create(
        actor=None,
        title="Secret plans",
        kind="ordinary",
        mode="in_person",
        starts_at=timezone.now() + dt.timedelta(days=40),
    )
    member = make_member(card=False)
    client.force_login(member.user)
    assert client.get(f"/assemblies/{draft.pk}/").status_code == 404
    assert "Secret plans" not in client.get("/assemblies/").content.decode()
