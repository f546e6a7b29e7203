"""The receipt and the KCanG §21 leaflet, as PDF (reportlab: no system libraries needed).

Both read only the dispensing's snapshots and its lot, so a reprint says what was handed out.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dispensing.models import Dispensing

WARNINGS = [
    # KCanG §21(3): the health warnings the leaflet carries.
    gettext_noop("Cannabis can harm the developing brain: risks are higher under 25."),
    gettext_noop("Do not use during pregnancy or while breastfeeding."),
    gettext_noop("Cannabis can interact with medicines and alcohol."),
    gettext_noop("Do not drive or operate machines after use."),
    gettext_noop(
        "Help and advice: your club's prevention officer, local addiction counselling, or the "
        "national helpline."
    ),
]


def _document(title: str, *pages: Callable[[Any, Dispensing, str], None]) -> Callable:
    """A PDF of one or more pages, each drawn by a function on the same canvas."""

    def render(d: Dispensing, club_name: str) -> bytes:
        from reportlab.pdfgen import canvas

        buf = io.BytesIO()
        pdf = canvas.Canvas(buf)
        pdf.setTitle(_(title) % {"n": d.receipt})
        for draw in pages:
            draw(pdf, d, club_name)
            pdf.showPage()
        pdf.save()
        return buf.getvalue()

    return render


def _receipt_page(pdf: Any, d: Dispensing, club_name: str) -> None:
    """An 80 mm till receipt."""
    from reportlab.lib.units import mm

    pdf.setPageSize((80 * mm, 120 * mm))
    y = 112.0
    local = timezone.localtime(d.dispensed_at)

    def line(text: str, size: int = 9, bold: bool = False) -> None:
        nonlocal y
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        # Wrapped, never cut: the legal warning must stand whole on the receipt.
        for part in textwrap.wrap(text, int(48 * 9 / size)) or [""]:
            pdf.drawString(5 * mm, y * mm, part)
            y -= size * 0.5

    line(club_name, 11, True)
    line(_("Receipt %(n)s") % {"n": d.receipt}, 10, True)
    line(formats.date_format(local, "DATETIME_FORMAT"))
    y -= 2
    line(_("Member no. %(number)s") % {"number": d.member.number})
    line(_("Lot %(code)s · %(strain)s") % {"code": d.lot.code, "strain": d.strain_name})
    line(f"{d.grams} g · THC {d.thc_percent} % · CBD {d.cbd_percent} %", 10, True)
    y -= 2
    line(
        _("Contribution: %(amount)s %(currency)s")
        % {"amount": d.contribution, "currency": d.currency}
    )
    if d.contribution_per_gram:
        line(f"({d.contribution_per_gram} {d.currency}/g)", 8)
    y -= 4
    line(_("For the member's own use only. Passing it on is an offence."), 7)


def _leaflet_page(pdf: Any, d: Dispensing, club_name: str) -> None:
    """A6 leaflet with weight, harvest date, best-before, strain, average THC and CBD, and the
    health warnings (KCanG §21(3))."""
    from reportlab.lib.units import mm

    pdf.setPageSize((105 * mm, 148 * mm))
    y = 138.0

    def line(text: str, size: int = 9, bold: bool = False, width: int = 60) -> None:
        nonlocal y
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        for part in textwrap.wrap(text, width) or [""]:
            pdf.drawString(7 * mm, y * mm, part)
            y -= size * 0.48

    line(club_name, 11, True)
    line(_("Information leaflet"), 10, True)
    y -= 2
    line(_("Strain: %(strain)s") % {"strain": d.strain_name})
    line(_("Weight: %(grams)s g") % {"grams": d.grams})
    line(
        _("Harvest date: %(day)s") % {"day": formats.date_format(d.lot.harvest_date, "DATE_FORMAT")}
    )
    line(_("Best before: %(day)s") % {"day": formats.date_format(d.lot.best_before, "DATE_FORMAT")})
    line(_("Average THC content: %(p)s %%") % {"p": d.thc_percent})
    line(_("Average CBD content: %(p)s %%") % {"p": d.cbd_percent})
    line(_("Lot %(code)s · receipt %(n)s") % {"code": d.lot.code, "n": d.receipt})
    y -= 3
    line(_("Health warnings"), 10, True)
    for text in WARNINGS:
        line("• " + _(text), 8, width=66)


receipt_pdf = _document(gettext_noop("Receipt %(n)s"), _receipt_page)
leaflet_pdf = _document(gettext_noop("Information leaflet"), _leaflet_page)
# What the counter prints after a dispensing: one document, one keystroke.
receipt_and_leaflet_pdf = _document(
    gettext_noop("Receipt %(n)s and leaflet"), _receipt_page, _leaflet_page
)
