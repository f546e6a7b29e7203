"""Reads of the governance app for pages outside it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
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
