"""JSON endpoints of the governance app (API.md): assemblies, polls, ballots, results."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Status

from club.api_support import Id, Schema, caller, requires
from club.roles import Role, acts_as
from governance.models import Assembly, AssemblyStatus, Poll, PollStatus
from governance.services import (
    agenda_item_add,
    assembly_close,
    assembly_convene,
    assembly_create,
    assembly_open,
    ballot_cast,
    poll_close,
    poll_create,
    poll_open,
)

router = Router(tags=["governance"])
BOARD = (Role.BOARD,)
MEMBERS = (Role.MEMBER, Role.BOARD)


class AssemblyIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["ordinary", "extraordinary"]
    mode: Literal["in_person", "hybrid", "online"]
    starts_at: dt.datetime
    place: str = ""
    online_info: str = ""
    chair: int | None = Field(None, description="membership number")
    minute_taker: int | None = Field(None, description="membership number")
    agenda: list[str] = Field(default_factory=list, description="agenda item titles")


class AssemblyOut(Schema):
    id: int
    title: str
    status: str
    starts_at: dt.datetime
    items: list[dict[str, Any]]


def _assembly_out(a: Assembly) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": a.title,
        "status": a.status,
        "starts_at": a.starts_at,
        "items": [
            {"id": i.pk, "position": i.position, "title": i.title, "announced": i.announced}
            for i in a.items.all()
        ],
    }


class PollIn(Schema):
    item_id: int
    question: str = Field(min_length=1, max_length=5000)
    kind: Literal["motion", "election"] = "motion"
    candidates: list[str] = Field(default_factory=list)
    seats: int = Field(1, ge=1, le=50)
    majority: Literal[
        "simple", "absolute", "two_thirds", "three_quarters", "unanimous", "qualified_es"
    ]
    visibility: Literal["named", "secret"]
    quorum_percent: str | None = None


class PollOut(Schema):
    id: int
    question: str
    status: str
    majority: str
    visibility: str
    result: dict[str, Any] | None


def _poll_out(p: Poll) -> dict[str, Any]:
    return {
        "id": p.pk,
        "question": p.question,
        "status": p.status,
        "majority": p.majority,
        "visibility": p.visibility,
        "result": p.result,
    }


class BallotIn(Schema):
    choice: str = Field(min_length=1, max_length=200)
    on_behalf_of: int | None = Field(None, description="membership number of the proxy grantor")


def _poll(request: HttpRequest, poll_id: int) -> Poll:
    """A poll the caller may see: a draft assembly and its polls are the board's only."""
    poll = Poll.objects.select_related("item__assembly").filter(pk=poll_id).first()
    if poll is None or (
        poll.item.assembly.status == AssemblyStatus.DRAFT
        and not acts_as(caller(request), Role.BOARD)
    ):
        raise Http404
    return poll


@router.post(
    "/assemblies",
    response={201: AssemblyOut},
    auth=requires(*BOARD),
    summary="Create an assembly with its agenda",
)
def assembly_new(request: HttpRequest, payload: AssemblyIn) -> Status:
    data = payload.dict()
    agenda = data.pop("agenda")
    chair, taker = data.pop("chair"), data.pop("minute_taker")
    assembly = assembly_create(
        actor=caller(request), chair_number=chair, minute_taker_number=taker, **data
    )
    for title in agenda:
        agenda_item_add(actor=caller(request), assembly_id=assembly.pk, title=title)
    return Status(201, _assembly_out(assembly))


@router.post(
    "/assemblies/{id}/convene",
    response=AssemblyOut,
    auth=requires(*BOARD),
    summary="Convene: invitations go to every member individually",
)
def assembly_convene_api(request: HttpRequest, id: Id) -> dict[str, Any]:
    return _assembly_out(assembly_convene(actor=caller(request), assembly_id=id))


@router.post(
    "/assemblies/{id}/open", response=AssemblyOut, auth=requires(*BOARD), summary="Open the session"
)
def assembly_open_api(request: HttpRequest, id: Id) -> dict[str, Any]:
    return _assembly_out(assembly_open(actor=caller(request), assembly_id=id))


@router.post(
    "/assemblies/{id}/close",
    response=AssemblyOut,
    auth=requires(*BOARD),
    summary="Close the session",
)
def assembly_close_api(request: HttpRequest, id: Id) -> dict[str, Any]:
    return _assembly_out(assembly_close(actor=caller(request), assembly_id=id))


@router.post(
    "/assemblies/{id}/polls",
    response={201: PollOut},
    auth=requires(*BOARD),
    summary="A poll on an announced agenda item",
)
def poll_new(request: HttpRequest, id: Id, payload: PollIn) -> Status:
    data = payload.dict()
    item_id = data.pop("item_id")
    if not Assembly.objects.filter(pk=id, items__pk=item_id).exists():
        raise Http404
    return Status(201, _poll_out(poll_create(actor=caller(request), item_id=item_id, **data)))


@router.post(
    "/polls/{id}/open",
    response=PollOut,
    auth=requires(*BOARD),
    summary="Open the poll and freeze the voter roll",
)
def poll_open_api(request: HttpRequest, id: Id) -> dict[str, Any]:
    return _poll_out(poll_open(actor=caller(request), poll_id=id))


@router.post(
    "/polls/{id}/close",
    response=PollOut,
    auth=requires(*BOARD),
    summary="Close the poll and compute the result",
)
def poll_close_api(request: HttpRequest, id: Id) -> dict[str, Any]:
    return _poll_out(poll_close(actor=caller(request), poll_id=id))


@router.post(
    "/polls/{id}/ballots",
    response={201: dict},
    auth=requires(*MEMBERS),
    summary="Vote, for yourself or as proxy holder; one per represented member",
)
def ballot_new(request: HttpRequest, id: Id, payload: BallotIn) -> Status:
    _poll(request, id)
    code = ballot_cast(
        user=caller(request), poll_id=id, choice=payload.choice, on_behalf_of=payload.on_behalf_of
    )
    return Status(201, {"poll": id, "receipt_code": code})


@router.get(
    "/polls/{id}/result",
    response=PollOut,
    auth=requires(*MEMBERS),
    summary="Counts, quorum, majority and outcome once the poll is closed",
)
def poll_result(request: HttpRequest, id: Id) -> dict[str, Any]:
    poll = _poll(request, id)
    out = _poll_out(poll)
    if poll.status != PollStatus.CLOSED:
        out["result"] = None
    return out
