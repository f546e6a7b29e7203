"""Issue 15, point 6: a member's data export holds their part in the club's governance (the
assemblies they attended, the polls they took part in, their open votes) but never the choice of
a secret ballot."""

from __future__ import annotations

import pytest

from governance.services import ballot_cast, check_in, poll_create, poll_open
from members.selectors import personal_data_export
from tests.factories import make_assembly, make_member

pytestmark = pytest.mark.django_db


def test_the_export_holds_participation_and_open_votes_but_no_secret_choice(club) -> None:
    assembly = make_assembly(mode="hybrid")
    member = make_member()
    check_in(actor=None, assembly_id=assembly.pk, member_number=member.number)
    items = list(assembly.items.order_by("position"))
    secret = poll_create(
        actor=None,
        item_id=items[0].pk,
        question="The assembly elects the treasurer.",
        majority="simple",
        visibility="secret",
    )
    named = poll_create(
        actor=None,
        item_id=items[1].pk,
        question="The assembly approves the budget.",
        majority="simple",
        visibility="named",
    )
    for poll in (secret, named):
        poll_open(actor=None, poll_id=poll.pk)
    ballot_cast(user=member.user, poll_id=secret.pk, choice="no")
    ballot_cast(user=member.user, poll_id=named.pk, choice="abstain")
    data = personal_data_export(member.user)["governance"]
    assert [a["assembly__title"] for a in data["assemblies_attended"]] == [assembly.title]
    questions = {p["poll__question"]: p for p in data["polls_taken_part_in"]}
    assert set(questions) == {secret.question, named.question}
    assert [(v["poll__question"], v["choice"]) for v in data["votes_by_name"]] == [
        (named.question, "abstain")
    ]
    # The secret choice appears nowhere in the export.
    assert "'no'" not in repr(data) and '"no"' not in repr(data)
