"""Membership cards: the counter resolves a scanned token or refuses it with its reason."""

from __future__ import annotations

import pytest
from django.core import signing

from club.errors import ServiceError
from club.roles import Role
from members.cards import SALT, card_pdf, card_resolve, card_token
from members.services import card_issue, member_status_change
from tests.factories import make_member, make_user
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def code_of(token: str) -> str:
    with pytest.raises(ServiceError) as exc:
        card_resolve(token)
    return exc.value.code


def test_a_genuine_card_resolves_to_its_member(club) -> None:
    member = make_member()
    assert card_resolve(card_token(member)).pk == member.pk


@pytest.mark.parametrize("token", ["", "hello", "1:2:3", "x" * 300])
def test_junk_is_forged(club, token: str) -> None:
    assert code_of(token) == "CARD_FORGED"


def test_a_forged_signature_is_refused(club) -> None:
    member = make_member()
    forged = signing.dumps([member.number, member.card_version], salt=SALT, key="not-our-key")
    assert code_of(forged) == "CARD_FORGED"
    other_salt = signing.dumps([member.number, member.card_version], salt="something else")
    assert code_of(other_salt) == "CARD_FORGED"
    tampered = card_token(member)
    tampered = tampered[:-1] + ("A" if tampered[-1] != "A" else "B")
    assert code_of(tampered) == "CARD_FORGED"


def test_a_reissued_card_revokes_the_old_one(club) -> None:
    member = make_member()
    old = card_token(member)
    card_issue(actor=None, number=member.number)
    member.refresh_from_db()
    assert code_of(old) == "CARD_REVOKED"
    assert card_resolve(card_token(member)).pk == member.pk


def test_a_suspended_members_card_is_refused(club) -> None:
    member = make_member()
    token = card_token(member)
    member_status_change(actor=None, number=member.number, action="suspend", reason="arrears")
    assert code_of(token) == "MEMBER_SUSPENDED"


def test_an_ended_members_card_is_refused(club) -> None:
    member = make_member()
    token = card_token(member)
    member_status_change(actor=None, number=member.number, action="expel", reason="resold")
    assert code_of(token) == "MEMBER_NOT_ACTIVE"


def test_the_counter_page_shows_the_refusal(client, club) -> None:
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    member = make_member()
    token = card_token(member)
    member_status_change(actor=None, number=member.number, action="suspend", reason="x")
    client.force_login(clerk)
    response = client.post("/counter/card-check/", {"token": token}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-code="MEMBER_SUSPENDED"' in response.content.decode()
    response = client.post("/counter/card-check/", {"token": card_token(make_member())})
    assert "data-number=" in response.content.decode()


def test_the_card_pdf_carries_the_token(club) -> None:
    member = make_member(first_name="Karla", last_name="Karte")
    member.card_version = 1
    text = pdf_text(card_pdf(member))
    assert "Karla Karte" in text and f"No. {member.number}" in text
    assert "Card version 1" in text and "Valid only with an official photo ID." in text
    assert "Grüner Kreis Berlin e.V." in text


def test_member_downloads_own_card(client, club) -> None:
    member = make_member()
    client.force_login(member.user)
    response = client.get("/me/card.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
