"""Demo governance: a past assembly with results and published minutes, and an upcoming one."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from club.demo import DEMO_USERS
from club.models import User
from governance.minutes import minutes_build, minutes_confirm
from governance.models import Assembly
from governance.services import (
    acceptance_record,
    agenda_item_add,
    assembly_close,
    assembly_convene,
    assembly_create,
    assembly_officers_set,
    assembly_open,
    ballot_cast,
    check_in,
    document_add,
    poll_close,
    poll_create,
    poll_open,
)
from members.models import Member, MemberStatus


def _demo_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF to attach to the demo assembly (uploads must be PDF or images)."""
    from club.documents import pdf_render

    return pdf_render("pdf/note.html", {"lines": lines}, title=title)


FEES_ITEM = "Fees and contribution per gram"


def seed_governance() -> None:
    if Assembly.objects.exists():
        return
    board = User.objects.get(email=DEMO_USERS[0][1])
    chair = Member.objects.get(user=board)
    taker = Member.objects.get(user__email=DEMO_USERS[3][1])
    # Assemblies start at seven in the evening, club time.
    now = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    past = assembly_create(
        actor=board,
        title="Ordinary general assembly (spring)",
        kind="ordinary",
        mode="hybrid",
        starts_at=now - dt.timedelta(days=60),
        place="Vereinsraum, Musterstraße 1, Berlin",
        online_info="Video room link in the member portal; vote online there.",
        chair_number=chair.number,
        minute_taker_number=taker.number,
    )
    accounts = agenda_item_add(actor=board, assembly_id=past.pk, title="Annual accounts 2025")
    election = agenda_item_add(actor=board, assembly_id=past.pk, title="Election of the treasurer")
    fees = agenda_item_add(actor=board, assembly_id=past.pk, title=FEES_ITEM)
    document_add(
        actor=board,
        assembly_id=past.pk,
        title="Annual accounts 2025 (draft)",
        content=_demo_pdf(
            "Annual accounts 2025 (draft)",
            [
                "Income 41,250.00 EUR; costs 40,980.00 EUR; surplus kept in reserve.",
            ],
        ),
        filename="accounts-2025.pdf",
    )
    assembly_convene(actor=board, assembly_id=past.pk, at=now - dt.timedelta(days=90))
    assembly_open(actor=board, assembly_id=past.pk)
    voters = list(Member.objects.filter(status=MemberStatus.ACTIVE).select_related("user"))
    for m in {chair.pk: chair, taker.pk: taker, **{v.pk: v for v in voters[:4]}}.values():
        check_in(actor=board, assembly_id=past.pk, member_number=m.number)
    assembly_officers_set(
        actor=board,
        assembly_id=past.pk,
        chair_number=chair.number,
        minute_taker_number=taker.number,
    )
    motion = poll_create(
        actor=board,
        item_id=accounts.pk,
        question="The assembly approves the annual accounts 2025.",
        majority="simple",
        visibility="named",
    )
    vote = poll_create(
        actor=board,
        item_id=election.pk,
        question="Election of the treasurer",
        majority="simple",
        visibility="secret",
        kind="election",
        candidates=["Tom Kasse", "Greta Anbau"],
        seats=1,
    )
    fee_motion = poll_create(
        actor=board,
        item_id=fees.pk,
        question=(
            "Membership fee 15.00 EUR a month from the start of the financial year; "
            "contribution 6.50 EUR per gram from today; arrears above 45.00 EUR go to the board."
        ),
        majority="simple",
        visibility="named",
    )
    poll_open(actor=board, poll_id=motion.pk)
    poll_open(actor=board, poll_id=vote.pk)
    poll_open(actor=board, poll_id=fee_motion.pk)
    for i, m in enumerate(voters):
        ballot_cast(user=m.user, poll_id=fee_motion.pk, choice=["yes", "yes", "no"][i % 3])
        ballot_cast(user=m.user, poll_id=motion.pk, choice=["yes", "yes", "abstain", "no"][i % 4])
        ballot_cast(
            user=m.user, poll_id=vote.pk, choice=["Tom Kasse", "Greta Anbau", "Tom Kasse"][i % 3]
        )
    poll_close(actor=board, poll_id=motion.pk)
    poll_close(actor=board, poll_id=vote.pk)
    poll_close(actor=board, poll_id=fee_motion.pk)
    acceptance_record(actor=board, poll_id=vote.pk, candidate="Tom Kasse", accepted=True)
    assembly_close(actor=board, assembly_id=past.pk)
    minutes_build(assembly_id=past.pk, actor=board)
    minutes_confirm(actor=chair.user, assembly_id=past.pk)
    minutes_confirm(actor=taker.user, assembly_id=past.pk)

    upcoming = assembly_create(
        actor=board,
        title="Ordinary general assembly (autumn)",
        kind="ordinary",
        mode="in_person",
        starts_at=now + dt.timedelta(days=30),
        place="Vereinsraum, Musterstraße 1, Berlin",
        chair_number=chair.number,
        minute_taker_number=taker.number,
    )
    agenda_item_add(actor=board, assembly_id=upcoming.pk, title="Budget and fees 2027")
    agenda_item_add(actor=board, assembly_id=upcoming.pk, title="Cultivation plan 2027")
    assembly_convene(actor=board, assembly_id=upcoming.pk)
