"""JSON endpoints of the club app: the club and its rulebook, the signed-in user, the chain head."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from club.api_support import Schema, requires
from club.roles import SIGNED_IN, Role
from club.selectors import audit_head, club_get, rulebook_get

router = Router(tags=["club"])


class ClubOut(Schema):
    name: str | None
    legal_form: str | None
    register_number: str | None
    timezone: str | None
    currency: str | None
    jurisdiction: str
    rulebook: dict[str, Any]
    overridden: list[str]


class AuditHeadOut(Schema):
    seq: int
    hash: str


@router.get(
    "/club", response=ClubOut, auth=requires(SIGNED_IN), summary="The club and its rulebook"
)
def club_detail(request: HttpRequest) -> dict[str, Any]:
    club = club_get()
    book = rulebook_get(club=club)
    return {
        "name": club.name if club else None,
        "legal_form": club.legal_form if club else None,
        "register_number": club.register_number if club else None,
        "timezone": club.timezone if club else None,
        "currency": club.currency if club else None,
        "jurisdiction": book.preset,
        "rulebook": book.as_dict(),
        "overridden": sorted(book.overridden),
    }


@router.get(
    "/audit/head",
    response=AuditHeadOut,
    auth=requires(Role.BOARD, Role.TREASURER),
    summary="Sequence number and hash of the audit chain head",
)
def audit_chain_head(request: HttpRequest) -> dict[str, Any]:
    head = audit_head()
    return {"seq": head.seq, "hash": head.hash}
