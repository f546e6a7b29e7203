"""The retention purge (DESIGN.md invariant 8): personal data past the rulebook's
``record_retention_years`` is erased or pseudonymised; what the law keeps (dispensings, stock,
money, ballots, minutes) stays, under the membership number."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from club.audit import audit_record
from club.models import Club
from club.selectors import rulebook_get
from club.services import lock_one
from compliance.models import ReportKind, ReportRun

# Register uploads are only needed until the import is done.
IMPORT_FILES_KEPT = dt.timedelta(days=30)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def retention_cutoff(today: dt.date | None = None) -> dt.date | None:
    years = rulebook_get().record_retention_years
    if not years:
        return None
    return _years_before(today or timezone.localdate(), int(years))


def expired(cutoff: dt.date) -> tuple[list[int], list[int]]:
    """Members whose membership ended before ``cutoff``, and applications that never became a
    membership and were last decided before it. Already erased ones are left out."""
    from members.models import Application, ApplicationStatus, Member, MemberStatus
    from members.services import ERASED_NAME

    members = list(
        Member.objects.filter(
            status__in=[MemberStatus.ENDED, MemberStatus.EXPELLED], ends_on__lt=cutoff
        )
        .exclude(first_name=ERASED_NAME, last_name=ERASED_NAME)
        .values_list("pk", flat=True)
    )
    closed = [ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN]
    applications = list(
        Application.objects.filter(status__in=closed, member__isnull=True)
        .annotate(last=Max("decisions__decided_at"))
        .filter(Q(last__date__lt=cutoff) | Q(last__isnull=True, created_at__date__lt=cutoff))
        .exclude(first_name=ERASED_NAME, last_name=ERASED_NAME)
        .values_list("pk", flat=True)
    )
    return members, applications


def retention_purge(*, actor: Any, today: dt.date | None = None) -> dict[str, int]:
    """Erase what is past its retention period, in one transaction with one audit event that
    counts what was erased (never whose). Locks the club row, so two purges never overlap."""
    from members.models import ImportJob

    today = today or timezone.localdate()
    cutoff = retention_cutoff(today)
    counts: dict[str, int] = {}
    with transaction.atomic():
        club = lock_one(Club.objects.all())
        if cutoff is not None:
            member_ids, application_ids = expired(cutoff)
            if member_ids or application_ids:
                from finance.services import member_finance_erase
                from governance.services import member_governance_erase
                from members.services import personal_data_erase

                counts |= personal_data_erase(
                    member_ids=member_ids, application_ids=application_ids
                )
                counts |= member_finance_erase(member_ids=member_ids)
                counts |= member_governance_erase(member_ids=member_ids)
                counts["register_extracts"] = _register_extracts_erase(member_ids)
        counts["import_files"] = (
            ImportJob.objects.filter(
                queued_at__lt=timezone.now() - IMPORT_FILES_KEPT,
                state__in=[
                    ImportJob.State.IMPORTED,
                    ImportJob.State.INVALID,
                    ImportJob.State.FAILED,
                    ImportJob.State.CHECKED,
                ],
            )
            .exclude(content=b"")
            .update(content=b"", report=[])
        )
        counts = {k: v for k, v in counts.items() if v}
        if counts:
            audit_record(
                actor=actor,
                action="retention.purge",
                subject=club,
                payload={"cutoff": cutoff, "counts": counts},
            )
    return counts


def _register_extracts_erase(member_ids: list[int]) -> int:
    """Register extracts name members: one that names an erased member loses its file and data."""
    from django.core.files.storage import default_storage

    from members.models import Member

    numbers = set(Member.objects.filter(pk__in=member_ids).values_list("number", flat=True))
    erased = 0
    for run in ReportRun.objects.filter(kind=ReportKind.MEMBER_REGISTER, state="done"):
        listed = {m.get("number") for m in (run.data or {}).get("members", [])}
        if listed & numbers:
            if run.file.name:
                transaction.on_commit(partial(default_storage.delete, run.file.name))
            ReportRun.objects.filter(pk=run.pk).update(
                data={"erased": True},
                file="",
                state="failed",
                error=_("Erased by the retention purge: it named a member whose data was erased."),
            )
            erased += 1
    return erased
