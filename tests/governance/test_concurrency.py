"""Fifty submissions for one member at once, on PostgreSQL: exactly one ballot."""

from __future__ import annotations

import pytest

from governance.models import Participation, SealedBallot
from governance.services import ballot_cast, poll_create, poll_open
from tests.factories import make_assembly, make_member, set_rules
from tests.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_parallel_ballots_for_one_member_give_one() -> None:
    set_rules("DE")
    voter = make_member(card=False)
    assembly = make_assembly()
    poll = poll_create(
        actor=None,
        item_id=assembly.items.first().pk,
        question="Q?",
        majority="simple",
        visibility="secret",
    )
    poll_open(actor=None, poll_id=poll.pk)
    results = together(
        50, lambda i: ballot_cast(user=voter.user, poll_id=poll.pk, choice=["yes", "no"][i % 2])
    )
    assert sum(1 for r in results if r != "ALREADY_VOTED") == 1
    assert results.count("ALREADY_VOTED") == 49
    assert Participation.objects.filter(poll=poll).count() == 1
    assert SealedBallot.objects.filter(poll=poll).count() == 1
