"""Worked examples for majorities, quorum, voter rolls, proxies, paper and online ballots."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import models
from django.utils import timezone

from club.errors import ServiceError
from governance.majority import decide
from governance.models import Participation, Poll, SecretBallot
from governance.services import (
    agenda_item_add,
    assembly_convene,
    assembly_create,
    ballot_cast,
    check_in,
    paper_ballot_issue,
    paper_tally_enter,
    poll_close,
    poll_create,
    poll_exclude,
    poll_open,
    proxy_record,
    receipt_counted,
)
from tests.factories import make_assembly, make_member, set_rules

pytestmark = pytest.mark.django_db


def closed_result(poll: Poll) -> dict:
    result = poll_close(actor=None, poll_id=poll.pk).result
    assert isinstance(result, dict)
    return result


def code(fn, *args, **kwargs) -> str:
    with pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


# --- Majorities and quorum (pure) --------------------------------------------------------------


def outcome(
    rule: str,
    yes: int,
    no: int,
    abstain: int = 0,
    present: int = 100,
    entitled: int = 100,
    quorum: str | None = None,
):
    return decide(
        rule,
        yes=yes,
        no=no,
        abstain=abstain,
        entitled=entitled,
        present_or_represented=present,
        quorum_percent=Decimal(quorum) if quorum else None,
    )


def test_de_simple_majority_excludes_abstentions_and_rejects_a_tie() -> None:
    assert outcome("simple", 10, 9, abstain=50).adopted  # abstentions do not count
    assert not outcome("simple", 10, 10, abstain=1).adopted  # a tie is rejected
    assert not outcome("simple", 0, 0, abstain=30).adopted


def test_statute_change_needs_three_quarters_of_votes_cast() -> None:
    assert outcome("three_quarters", 30, 10, abstain=20).adopted  # exactly 3/4
    assert not outcome("three_quarters", 29, 10).adopted
    assert outcome("two_thirds", 20, 10).adopted and not outcome("two_thirds", 19, 10).adopted


def test_es_qualified_majority_counts_those_present_or_represented() -> None:
    assert not outcome("qualified_es", 40, 10, abstain=31, present=81).adopted  # 40 ≤ 40.5
    assert outcome("qualified_es", 41, 10, abstain=30, present=81).adopted
    assert outcome("simple", 40, 10, abstain=31, present=81).adopted  # simple would pass


def test_absolute_and_unanimous() -> None:
    assert not outcome("absolute", 10, 5, abstain=5).adopted  # 10 of 20 is not more than half
    assert outcome("absolute", 11, 5, abstain=5).adopted
    assert outcome("unanimous", 12, 0, abstain=3).adopted
    assert not outcome("unanimous", 12, 1).adopted


def test_quorum_share_of_members() -> None:
    result = outcome("simple", 30, 1, present=33, entitled=100, quorum="33.34")
    assert result.quorum_required == 34 and not result.quorum_met and not result.adopted
    assert outcome("simple", 30, 1, present=34, entitled=100, quorum="33.34").adopted
    assert outcome("simple", 2, 1, present=3, entitled=100).adopted  # no quorum by default


# --- Convening ---------------------------------------------------------------------------------


def test_convening_later_than_the_notice_period_is_refused(club) -> None:
    set_rules("ES")  # 15 days' notice
    soon = assembly_create(
        actor=None,
        title="A",
        kind="ordinary",
        mode="in_person",
        starts_at=timezone.now() + dt.timedelta(days=14),
        place="Room",
    )
    agenda_item_add(actor=None, assembly_id=soon.pk, title="Accounts")
    assert code(assembly_convene, actor=None, assembly_id=soon.pk) == "CONVENING_TOO_LATE"
    later = assembly_create(
        actor=None,
        title="B",
        kind="ordinary",
        mode="in_person",
        starts_at=timezone.now() + dt.timedelta(days=16),
        place="Room",
    )
    agenda_item_add(actor=None, assembly_id=later.pk, title="Accounts")
    assembly_convene(actor=None, assembly_id=later.pk)


def test_hybrid_needs_instructions_for_taking_part_online(club) -> None:
    a = assembly_create(
        actor=None,
        title="H",
        kind="ordinary",
        mode="hybrid",
        starts_at=timezone.now() + dt.timedelta(days=30),
        place="Room",
    )
    agenda_item_add(actor=None, assembly_id=a.pk, title="Board election")
    assert code(assembly_convene, actor=None, assembly_id=a.pk) == "ONLINE_INFO_MISSING"


def test_an_item_added_after_convening_cannot_be_resolved(club) -> None:
    set_rules("DE")
    assembly = make_assembly(open_=False)
    late = agenda_item_add(actor=None, assembly_id=assembly.pk, title="Surprise motion")
    assert late.announced is False
    assert (
        code(
            poll_create,
            actor=None,
            item_id=late.pk,
            question="Buy a boat?",
            majority="simple",
            visibility="named",
        )
        == "ITEM_NOT_ANNOUNCED"
    )


def test_the_invitation_goes_to_each_member_separately(
    club, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    set_rules("DE")
    members = [make_member(card=False) for _ in range(4)]
    suspended = make_member(card=False, status="suspended")
    with django_capture_on_commit_callbacks(execute=True):
        make_assembly(open_=False)
    assert len(mailoutbox) == 4
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.user.email for m in members)
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mailoutbox)
    assert suspended.user.email not in [m.to[0] for m in mailoutbox]
    assert "Item 1" in mailoutbox[0].body and "Europe/Berlin" in mailoutbox[0].body


# --- Polls --------------------------------------------------------------------------------------


def _poll(assembly, visibility: str = "secret", majority: str = "simple") -> Poll:
    item = assembly.items.first()
    return poll_create(
        actor=None,
        item_id=item.pk,
        question="Approve the accounts of 2026?",
        majority=majority,
        visibility=visibility,
    )


def test_eligibility_is_frozen_when_the_poll_opens(club) -> None:
    set_rules("DE")
    voter = make_member(card=False)
    suspended = make_member(card=False, status="suspended")
    excluded = make_member(card=False)
    assembly = make_assembly()
    poll = _poll(assembly)
    poll_exclude(
        actor=None,
        poll_id=poll.pk,
        member_number=excluded.number,
        reason="Contract with the club (BGB §34)",
    )
    poll_open(actor=None, poll_id=poll.pk)
    late = make_member(card=False)  # admitted (registered) after the opening
    ballot_cast(user=voter.user, poll_id=poll.pk, choice="yes")
    for m in (suspended, excluded, late):
        assert code(ballot_cast, user=m.user, poll_id=poll.pk, choice="yes") == "NOT_ELIGIBLE"


def test_one_member_one_vote_and_secret_receipts(club) -> None:
    set_rules("DE")
    voters = [make_member(card=False) for _ in range(3)]
    assembly = make_assembly()
    poll = _poll(assembly)
    poll_open(actor=None, poll_id=poll.pk)
    receipt = ballot_cast(user=voters[0].user, poll_id=poll.pk, choice="yes")
    assert code(ballot_cast, user=voters[0].user, poll_id=poll.pk, choice="no") == "ALREADY_VOTED"
    ballot_cast(user=voters[1].user, poll_id=poll.pk, choice="no")
    ballot_cast(user=voters[2].user, poll_id=poll.pk, choice="abstain")
    # While the poll is open the ballots are sealed: a receipt can be checked after the close.
    assert receipt and receipt_counted(poll_id=poll.pk, code=receipt.lower()) is None
    result = closed_result(poll)
    assert receipt_counted(poll_id=poll.pk, code=receipt.lower()) is True
    assert receipt_counted(poll_id=poll.pk, code="000000000000") is False
    assert result["counts"]["yes"] == 1 and result["counts"]["no"] == 1
    assert result["online_ballots"] == result["online_participations"] == 3
    assert result["adopted"] is False  # a tie is rejected


def test_secret_ballots_cannot_be_joined_back_to_members(club) -> None:
    fields = {f.name: f for f in SecretBallot._meta.get_fields()}
    assert set(fields) == {"id", "poll", "choice", "receipt_code"}
    assert isinstance(fields["id"], models.UUIDField)  # no order of voting in the key
    assert not any(isinstance(f, (models.DateTimeField, models.DateField)) for f in fields.values())
    related = [f.related_model for f in fields.values() if f.is_relation]
    assert related == [Poll]
    assert "choice" not in {f.name for f in Participation._meta.get_fields()}
    # The audit event of a secret ballot carries neither the member nor the choice.
    set_rules("DE")
    voter = make_member(card=False)
    assembly = make_assembly()
    poll = _poll(assembly)
    poll_open(actor=None, poll_id=poll.pk)
    ballot_cast(user=voter.user, poll_id=poll.pk, choice="no")
    from club.models import AuditEvent

    event = AuditEvent.objects.filter(action="poll.ballot").get()
    payload = json.loads(event.payload)
    records = payload.pop("records", {})
    text = json.dumps(payload)
    assert '"no"' not in text and str(voter.number) not in text
    # The digests it carries are the participation's (who took part), never a ballot's.
    assert records and all(k.startswith("governance.participation:") for k in records)


def test_paper_and_online_lock_each_other(club) -> None:
    set_rules("DE")
    paper, online = make_member(card=False), make_member(card=False)
    assembly = make_assembly()
    poll = _poll(assembly)
    poll_open(actor=None, poll_id=poll.pk)
    for m in (paper, online):
        check_in(actor=None, assembly_id=assembly.pk, member_number=m.number)
    paper_ballot_issue(actor=None, poll_id=poll.pk, member_number=paper.number)
    assert code(ballot_cast, user=paper.user, poll_id=poll.pk, choice="yes") == "ALREADY_VOTED"
    ballot_cast(user=online.user, poll_id=poll.pk, choice="yes")
    assert (
        code(paper_ballot_issue, actor=None, poll_id=poll.pk, member_number=online.number)
        == "ALREADY_VOTED"
    )
    assert (
        code(paper_tally_enter, actor=None, poll_id=poll.pk, counts={"yes": 2})
        == "TALLY_EXCEEDS_PAPER"
    )
    paper_tally_enter(actor=None, poll_id=poll.pk, counts={"no": 1})
    result = closed_result(poll)
    assert result["counts"]["yes"] == 1 and result["counts"]["no"] == 1


def test_proxies_where_allowed_and_within_the_cap(club) -> None:
    set_rules("DE")  # BGB §38: no proxies unless the statutes allow them
    a, b, c = (make_member(card=False) for _ in range(3))
    assembly = make_assembly()
    assert (
        code(
            proxy_record,
            actor=None,
            assembly_id=assembly.pk,
            grantor_number=a.number,
            holder_number=b.number,
            authorisation="signed form",
        )
        == "PROXY_NOT_ALLOWED"
    )
    set_rules("DE", proxy_voting_allowed="true", proxy_max_per_holder="1")
    proxy_record(
        actor=None,
        assembly_id=assembly.pk,
        grantor_number=a.number,
        holder_number=b.number,
        authorisation="signed form",
    )
    assert (
        code(
            proxy_record,
            actor=None,
            assembly_id=assembly.pk,
            grantor_number=c.number,
            holder_number=b.number,
            authorisation="e-mail",
        )
        == "PROXY_CAP"
    )
    poll = _poll(assembly, visibility="named")
    poll_open(actor=None, poll_id=poll.pk)
    ballot_cast(user=b.user, poll_id=poll.pk, choice="yes", on_behalf_of=a.number)
    ballot_cast(user=b.user, poll_id=poll.pk, choice="no")
    assert code(ballot_cast, user=a.user, poll_id=poll.pk, choice="no") == "ALREADY_VOTED"
    assert (
        code(ballot_cast, user=c.user, poll_id=poll.pk, choice="no", on_behalf_of=a.number)
        == "NO_PROXY"
    )
    result = closed_result(poll)
    assert result["counts"]["yes"] == 1 and result["counts"]["no"] == 1


def test_election_with_seats_and_acceptance(club) -> None:
    from governance.services import acceptance_record

    set_rules("DE")
    voters = [make_member(card=False) for _ in range(5)]
    assembly = make_assembly()
    item = assembly.items.first()
    poll = poll_create(
        actor=None,
        item_id=item.pk,
        question="Elect the treasurer",
        majority="simple",
        visibility="secret",
        kind="election",
        candidates=["Ana", "Ben", "Cem"],
        seats=1,
    )
    poll_open(actor=None, poll_id=poll.pk)
    for voter, choice in zip(voters, ["Ana", "Ana", "Ben", "Ana", "abstain"], strict=True):
        ballot_cast(user=voter.user, poll_id=poll.pk, choice=choice)
    result = closed_result(poll)
    assert result["elected"] == ["Ana"]
    acceptance_record(actor=None, poll_id=poll.pk, candidate="Ana", accepted=True)
    assert (
        code(acceptance_record, actor=None, poll_id=poll.pk, candidate="Ben", accepted=True)
        == "NOT_ELECTED"
    )
