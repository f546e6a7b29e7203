"""Reads of the governance app for pages outside it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from governance.models import Assembly, AssemblyStatus, Participation, Poll, PollStatus


def open_polls_for(member: Any) -> list[Poll]:
    """Open polls of convened assemblies this member may vote in, with whether they did."""
    return list(
        Poll.objects.filter(
            status=PollStatus.OPEN,
            item__assembly__status=AssemblyStatus.OPEN,
            roll__member=member,
        )
        .select_related("item__assembly")
        .annotate(voted=Exists(Participation.objects.filter(poll=OuterRef("pk"), member=member)))
        .order_by("item__assembly__starts_at", "item__position", "pk")
    )


def upcoming_assemblies() -> QuerySet[Assembly]:
    since = timezone.now() - dt.timedelta(hours=12)
    return (
        Assembly.objects.exclude(status=AssemblyStatus.DRAFT)
        .filter(starts_at__gte=since)
        .order_by("starts_at")
    )


# The office of the auditors (Kassenprüfer) in the election's question or agenda item title, in
# any of the app's languages.
AUDITOR_WORDS = ("audit", "kassenprüf", "rechnungsprüf", "revisor", "auditeur", "interventor")


def elected_auditors(end: dt.date) -> list[str]:
    """The auditors the assembly last elected up to ``end`` who accepted: the closed election
    whose item or question names the office."""
    words = Q()
    for word in AUDITOR_WORDS:
        words |= Q(question__icontains=word) | Q(item__title__icontains=word)
    poll = (
        Poll.objects.filter(words, kind=Poll.Kind.ELECTION, status=PollStatus.CLOSED)
        .filter(closed_at__date__lte=end)
        .order_by("-closed_at")
        .first()
    )
    if poll is None:
        return []
    accepted = set(poll.acceptances.filter(accepted=True).values_list("candidate", flat=True))
    return [name for name in (poll.result or {}).get("elected", []) if name in accepted]


def elected_auditor_emails(end: dt.date) -> list[str]:
    """The e-mail addresses of those auditors (active members, matched by name)."""
    from members.models import Member, MemberStatus

    names = set(elected_auditors(end))
    if not names:
        return []
    return sorted(
        m.user.email
        for m in Member.objects.select_related("user").filter(status=MemberStatus.ACTIVE)
        if m.full_name in names and m.user.email
    )
