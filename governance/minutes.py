"""The minutes of an assembly (BGB: place and time, chair and minute-taker, proper convening,
members entitled and present or represented, quorum, each motion's exact text, method, counts and
outcome, the elected and their acceptance), built as a PDF by a Celery task, confirmed by the chair
and the minute-taker, then published to members."""

from __future__ import annotations

import hashlib
import io
import textwrap
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.selectors import club_get
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


def minutes_pdf(data: dict[str, Any], club_name: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(_("Minutes"))
    y = 280.0

    def line(text: str, size: int = 10, bold: bool = False) -> None:
        nonlocal y
        for part in textwrap.wrap(str(text), 95) or [""]:
            if y < 20:
                pdf.showPage()
                y = 280.0
            pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
            pdf.drawString(18 * mm, y * mm, part)
            y -= size * 0.45

    line(club_name, 12, True)
    line(_("Minutes of the general assembly: %(t)s") % {"t": data["title"]}, 12, True)
    line(f"{data['kind']} · {data['mode']}")
    line(
        _("Place and time: %(place)s, %(time)s")
        % {
            "place": data["place"] or "—",
            "time": formats.date_format(timezone.localtime(data["starts_at"]), "DATETIME_FORMAT"),
        }
    )
    line(_("Chair: %(c)s · Minute-taker: %(m)s") % {"c": data["chair"], "m": data["minute_taker"]})
    if data["convened_at"]:
        line(
            _("Convened properly on %(d)s.")
            % {"d": formats.date_format(timezone.localtime(data["convened_at"]), "DATE_FORMAT")}
        )
    line(
        _("Members entitled to vote: %(e)s · present or represented: %(p)s")
        % {
            "e": data["entitled"] if data["entitled"] is not None else "—",
            "p": data["present"] if data["present"] is not None else "—",
        }
    )
    y -= 3
    line(_("Agenda"), 11, True)
    for i, title in enumerate(data["items"], start=1):
        line(f"{i}. {title}")
    for poll in data["polls"]:
        y -= 3
        r = poll["result"]
        line(poll["item"], 11, True)
        line(_("Motion: %(q)s") % {"q": poll["question"]})
        line(_("Voting: %(m)s · %(maj)s") % {"m": poll["method"], "maj": poll["majority"]})
        counts = ", ".join(f"{choice_label(k)}: {v}" for k, v in r.get("counts", {}).items())
        line(_("Counts: %(c)s") % {"c": counts})
        line(
            _("Quorum: %(q)s required, %(met)s")
            % {
                "q": r.get("quorum_required"),
                "met": _("met") if r.get("quorum_met") else _("not met"),
            }
        )
        line(
            _("Outcome: %(o)s") % {"o": _("adopted") if r.get("adopted") else _("rejected")},
            10,
            True,
        )
        for name in r.get("elected", []):
            accepted = poll["acceptances"].get(name)
            state = (
                _("accepted")
                if accepted
                else (_("declined") if accepted is False else _("acceptance not recorded"))
            )
            line(_("Elected: %(n)s (%(s)s)") % {"n": name, "s": state})
    y -= 8
    line(_("Signed: chair ______________________   minute-taker ______________________"))
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


@transaction.atomic
def minutes_build(*, assembly_id: int, actor: Any = None) -> Minutes:
    """Render the minutes of a closed assembly (again, until both have confirmed them)."""
    assembly = lock_one(
        Assembly.objects.select_related("chair", "minute_taker").filter(pk=assembly_id)
    )
    if assembly.status != AssemblyStatus.CLOSED:
        raise StateConflict("ASSEMBLY_NOT_CLOSED", _("Minutes follow a closed assembly."))
    club = club_get()
    content = minutes_pdf(minutes_data(assembly), club.name if club else "csc")
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
