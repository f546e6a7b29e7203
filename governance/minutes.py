"""The minutes of an assembly (BGB: place and time, chair and minute-taker, proper convening,
members entitled and present or represented, quorum, each motion's exact text, method, counts and
outcome, the elected and their acceptance), built as a PDF by a Celery task, confirmed by the chair
and the minute-taker, then published to members."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from club.audit import audit_record
from club.documents import pdf_render
from club.errors import ServiceError, StateConflict
from club.services import lock_one
from governance.majority import choice_label
from governance.models import Assembly, AssemblyStatus, Minutes, PollStatus


def minutes_data(assembly: Assembly) -> dict[str, Any]:
    """Plain data for the minutes; the PDF only renders it."""
    polls: list[dict[str, Any]] = []
    for item in assembly.items.all():
        for poll in item.polls.filter(status=PollStatus.CLOSED):
            accepted = {a.candidate: a.accepted for a in poll.acceptances.all()}
            polls.append(
                {
                    "item": item.title,
                    "question": poll.question,
                    "method": poll.get_visibility_display(),
                    "majority": poll.get_majority_display(),
                    "result": poll.result or {},
                    "acceptances": accepted,
                }
            )
    first: dict[str, Any] = dict(polls[0]["result"]) if polls else {}
    return {
        "title": assembly.title,
        "kind": assembly.get_kind_display(),
        "mode": assembly.get_mode_display(),
        "place": assembly.place,
        "starts_at": assembly.starts_at,
        "convened_at": assembly.convened_at,
        "chair": assembly.chair.full_name if assembly.chair else "—",
        "minute_taker": assembly.minute_taker.full_name if assembly.minute_taker else "—",
        "entitled": first.get("entitled"),
        "present": first.get("present_or_represented"),
        "items": [i.title for i in assembly.items.all()],
        "polls": polls,
    }


def minutes_pdf(data: dict[str, Any]) -> bytes:
    """The minutes as a PDF, rendered from ``minutes_data``."""
    polls = []
    for poll in data["polls"]:
        r = poll["result"]
        elected = []
        for name in r.get("elected", []):
            accepted = poll["acceptances"].get(name)
            state = (
                _("accepted")
                if accepted
                else (_("declined") if accepted is False else _("acceptance not recorded"))
            )
            elected.append((name, state))
        polls.append(
            {
                **poll,
                "counts": ", ".join(
                    f"{choice_label(k)}: {v}" for k, v in r.get("counts", {}).items()
                ),
                "quorum": _("met") if r.get("quorum_met") else _("not met"),
                "outcome": _("adopted") if r.get("adopted") else _("rejected"),
                "elected": elected,
            }
        )
    return pdf_render(
        "governance/minutes_pdf.html",
        {
            "data": data,
            "polls": polls,
            "starts_at": timezone.localtime(data["starts_at"]),
            "convened_at": timezone.localtime(data["convened_at"]) if data["convened_at"] else None,
        },
        title=_("Minutes"),
    )


def minutes_build(*, assembly_id: int, actor: Any = None) -> Minutes:
    """Render the minutes of a closed assembly (again, until both have confirmed them).

    The PDF is rendered outside any transaction; storing it locks the assembly and checks again
    that it is closed and its minutes unconfirmed."""
    assembly = (
        Assembly.objects.select_related("chair", "minute_taker").filter(pk=assembly_id).first()
    )
    if assembly is None or assembly.status != AssemblyStatus.CLOSED:
        raise StateConflict("ASSEMBLY_NOT_CLOSED", _("Minutes follow a closed assembly."))
    content = minutes_pdf(minutes_data(assembly))
    return _minutes_store(assembly_id=assembly_id, content=content, actor=actor)


@transaction.atomic
def _minutes_store(*, assembly_id: int, content: bytes, actor: Any) -> Minutes:
    assembly = lock_one(Assembly.objects.filter(pk=assembly_id))
    if assembly.status != AssemblyStatus.CLOSED:
        raise StateConflict("ASSEMBLY_NOT_CLOSED", _("Minutes follow a closed assembly."))
    digest = hashlib.sha256(content).hexdigest()
    minutes = Minutes.objects.filter(assembly=assembly).first()
    if minutes and (minutes.chair_confirmed_at or minutes.minute_taker_confirmed_at):
        raise StateConflict("MINUTES_CONFIRMED", _("Confirmed minutes are not rebuilt."))
    minutes = minutes or Minutes(assembly=assembly)
    minutes.sha256, minutes.built_at = digest, timezone.now()
    minutes.pdf.save(f"minutes-{assembly.pk}.pdf", ContentFile(content), save=False)
    minutes.save()
    audit_record(actor=actor, action="minutes.build", subject=assembly, payload={"sha256": digest})
    return minutes


@transaction.atomic
def minutes_confirm(*, actor: Any, assembly_id: int) -> Minutes:
    """The chair or the minute-taker confirms; when both have, the minutes are published."""
    assembly = lock_one(Assembly.objects.filter(pk=assembly_id))
    minutes = lock_one(Minutes.objects.filter(assembly=assembly))
    member = getattr(actor, "member", None)
    now = timezone.now()
    if member is not None and assembly.chair_id == member.pk and not minutes.chair_confirmed_at:
        minutes.chair_confirmed_at = now
    elif member is not None and assembly.minute_taker_id == member.pk:
        minutes.minute_taker_confirmed_at = minutes.minute_taker_confirmed_at or now
    else:
        raise ServiceError(
            "NOT_CHAIR_OR_MINUTE_TAKER",
            _("Only the chair and the minute-taker confirm the minutes."),
            status=403,
        )
    minutes.save(update_fields=["chair_confirmed_at", "minute_taker_confirmed_at"])
    audit_record(
        actor=actor, action="minutes.confirm", subject=assembly, payload={"sha256": minutes.sha256}
    )
    if minutes.chair_confirmed_at and minutes.minute_taker_confirmed_at:
        assembly.move_to(AssemblyStatus.MINUTES_PUBLISHED)
        assembly.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="assembly.status",
            subject=assembly,
            payload={"to": AssemblyStatus.MINUTES_PUBLISHED},
        )
    return minutes
