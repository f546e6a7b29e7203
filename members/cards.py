"""Membership cards: a signed token in a QR code, and the printable PDF.

The token carries the membership number and the card version, signed with the installation's
secret. Issuing a new card raises the version, so every older card stops working.
"""

from __future__ import annotations

import io

from django.core import signing
from django.utils.translation import gettext as _

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


def card_pdf(member: Member, club_name: str) -> bytes:
    """A credit-card-sized card (85.6 by 54 mm) with the QR code, name, number and version."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    token = card_token(member)
    width, height = 85.6 * mm, 54 * mm
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(width, height))
    pdf.setTitle(_("Membership card"))
    pdf.setFont("Helvetica-Bold", 9)
    pdf.drawString(4 * mm, height - 7 * mm, club_name[:40])
    pdf.setFont("Helvetica", 7)
    pdf.drawString(4 * mm, height - 12 * mm, _("Membership card"))
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(4 * mm, height - 22 * mm, member.full_name[:30])
    pdf.setFont("Helvetica", 8)
    pdf.drawString(4 * mm, height - 28 * mm, _("No. %(number)s") % {"number": member.number})
    pdf.drawString(4 * mm, height - 33 * mm, _("Card version %(v)s") % {"v": member.card_version})
    pdf.drawString(4 * mm, 5 * mm, _("Valid only with an official photo ID."))
    widget = QrCodeWidget(token, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    size = 30 * mm
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - size - 3 * mm, height - size - 8 * mm)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
