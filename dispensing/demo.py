"""A few months of dispensing history for the demo's active members."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from club.selectors import club_get
from dispensing.models import Dispensing
from dispensing.services import dispensing_record
from harvests.selectors import lots_available
from members.cards import card_token
from members.models import Member, MemberStatus


def seed_dispensings() -> None:
    if Dispensing.objects.exists():
        return
    club = club_get()
    lots = [lot for lot in lots_available() if lot.thc_percent <= 10] or lots_available()
    strong = lots_available()
    if not lots or club is None:
        return
    tz = zoneinfo.ZoneInfo(club.timezone)
    today = timezone.localdate()
    members = Member.objects.filter(status=MemberStatus.ACTIVE).order_by("number")
    for i, member in enumerate(members):
        for weeks_ago in (10, 7, 4, 2, 1):
            day = today - dt.timedelta(weeks=weeks_ago, days=i % 5)
            if day < member.first_dispensing_on or day >= today:
                continue
            at = dt.datetime(day.year, day.month, day.day, 17, 30 + i % 20, tzinfo=tz)
            pool = lots if member.date_of_birth.year > today.year - 22 else strong
            lot = pool[(i + weeks_ago) % len(pool)]
            try:
                dispensing_record(
                    actor=None,
                    member_number=member.number,
                    lot_code=lot.code,
                    grams=str(2 + (i + weeks_ago) % 4),
                    id_checked=True,
                    card_token=card_token(member),
                    at=at,
                )
            except Exception:  # noqa: S112 -- a demo history skips what a rule refuses
                continue
