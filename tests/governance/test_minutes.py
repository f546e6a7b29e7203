"""Minutes: built after the assembly, confirmed by chair and minute-taker, then published."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from club.errors import ServiceError
from governance.minutes import minutes_confirm
from governance.models import AssemblyStatus
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
from governance.tasks import build_minutes
from tests.factories import make_member, set_rules

pytestmark = pytest.mark.django_db


def test_minutes_are_built_confirmed_and_published(club) -> None:
    set_rules("DE")
    chair, taker, voter = (make_member(card=False) for _ in range(3))
    assembly = assembly_create(
        actor=None,
        title="AGM 2026",
        kind="ordinary",
        mode="in_person",
        starts_at=timezone.now() + dt.timedelta(days=30),
        place="Room 1",
        chair_number=chair.number,
        minute_taker_number=taker.number,
    )
    item = agenda_item_add(actor=None, assembly_id=assembly.pk, title="Accounts")
    assembly_convene(actor=None, assembly_id=assembly.pk)
    assembly_open(actor=None, assembly_id=assembly.pk)
    poll = poll_create(
        actor=None,
        item_id=item.pk,
        question="Approve the accounts",
        majority="simple",
        visibility="named",
    )
    poll_open(actor=None, poll_id=poll.pk)
    ballot_cast(user=voter.user, poll_id=poll.pk, choice="yes")
    with pytest.raises(ServiceError):
        assembly_close(actor=None, assembly_id=assembly.pk)  # a poll is still open
    poll_close(actor=None, poll_id=poll.pk)
    assembly_close(actor=None, assembly_id=assembly.pk)
    digest = build_minutes.delay(assembly.pk).get()
    assembly.refresh_from_db()
    assert len(digest) == 64 and assembly.minutes.pdf.read().startswith(b"%PDF")
    with pytest.raises(ServiceError):
        minutes_confirm(actor=voter.user, assembly_id=assembly.pk)
    minutes_confirm(actor=chair.user, assembly_id=assembly.pk)
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CLOSED
    minutes_confirm(actor=taker.user, assembly_id=assembly.pk)
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.MINUTES_PUBLISHED
