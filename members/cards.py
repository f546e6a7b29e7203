"""Membership cards: a signed token in a QR code, and the printable PDF.

The token carries the membership number and the card version, signed with the installation's
secret. Issuing a new card raises the version, so every older card stops working.
"""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext as _

from club.documents import pdf_render
from club.errors import ServiceError
from members.models import Member, MemberStatus

SALT = "csc.member-card"
CARD_FORGED = "CARD_FORGED"
CARD_REVOKED = "CARD_REVOKED"
MEMBER_SUSPENDED = "MEMBER_SUSPENDED"
MEMBER_NOT_ACTIVE = "MEMBER_NOT_ACTIVE"
CARD_NOT_ISSUED = "CARD_NOT_ISSUED"


def card_token(member: Member) -> str:
    if member.card_version < 1:
        raise ServiceError(CARD_NOT_ISSUED, _("No card has been issued to this member yet."))
    return signing.dumps([member.number, member.card_version], salt=SALT)


def card_resolve(token: str) -> Member:
    """The member a scanned card belongs to, or a refusal saying why not."""
    try:
        number, version = signing.loads((token or "").strip(), salt=SALT)
        number, version = int(number), int(version)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise ServiceError(CARD_FORGED, _("This card is not genuine."), status=422) from exc
    member = Member.objects.select_related("user").filter(number=number).first()
    if member is None:
        raise ServiceError(CARD_FORGED, _("This card is not genuine."))
    if version != member.card_version:
        raise ServiceError(CARD_REVOKED, _("This card was replaced by a newer one."))
    if member.status == MemberStatus.SUSPENDED:
        raise ServiceError(MEMBER_SUSPENDED, _("This membership is suspended."))
    if member.status != MemberStatus.ACTIVE:
        raise ServiceError(MEMBER_NOT_ACTIVE, _("This membership has ended."))
    return member


def card_pdf(member: Member) -> bytes:
    """A credit-card-sized card (85.6 by 54 mm) with the QR code, name, number and version."""
    import segno

    token = card_token(member)
    qr = segno.make(token, error="m").svg_data_uri(scale=4, border=0)
    return pdf_render(
        "members/card_pdf.html", {"member": member, "qr": qr}, title=_("Membership card")
    )
