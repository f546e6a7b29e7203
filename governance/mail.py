"""The invitation: one e-mail per member, in the member's language, with the agenda, the
documents and their SHA-256, the time in the club's timezone and how to take part online."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from club.selectors import club_get


def send_invitation(assembly_id: int, member: object, language: str) -> None:
    from governance.models import Assembly

    assembly = Assembly.objects.prefetch_related("items", "documents").get(pk=assembly_id)
    club = club_get()
    tz = zoneinfo.ZoneInfo(club.timezone if club else "UTC")
    with translation.override(language), timezone.override(tz):
        context = {
            "assembly": assembly,
            "member": member,
            "club": club,
            "starts": timezone.localtime(assembly.starts_at, tz),
            "tz": str(tz),
        }
        subject = render_to_string("governance/email/invitation_subject.txt", context).strip()
        body = render_to_string("governance/email/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [member.user.email])  # type: ignore[attr-defined]
