"""The receipt and the KCanG §21 leaflet, as PDF (templates rendered by WeasyPrint).

Both read only the dispensing's snapshots and its lot, so a reprint says what was handed out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from club.documents import pdf_render
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
# Higher apps add where to find help (the prevention officer's referral directory): each hook
# returns lines for the leaflet.
_LEAFLET_HELP: list[Callable[[], list[str]]] = []


def register_leaflet_help(hook: Callable[[], list[str]]) -> None:
    if hook not in _LEAFLET_HELP:
        _LEAFLET_HELP.append(hook)


# The line every receipt carries whole.
RECEIPT_WARNING = gettext_noop("For the member's own use only. Passing it on is an offence.")


def _document(title: str, *, receipt: bool, leaflet: bool) -> Callable[[Dispensing], bytes]:
    def render(d: Dispensing) -> bytes:
        return pdf_render(
            "dispensing/receipt_pdf.html",
            {
                "d": d,
                "dispensed_at": timezone.localtime(d.dispensed_at),
                "warnings": [_(text) for text in WARNINGS],
                "help_lines": [line for hook in _LEAFLET_HELP for line in hook()]
                if leaflet
                else [],
                "with_receipt": receipt,
                "with_leaflet": leaflet,
            },
            title=_(title) % {"n": d.receipt},
        )

    return render


receipt_pdf = _document(gettext_noop("Receipt %(n)s"), receipt=True, leaflet=False)
leaflet_pdf = _document(gettext_noop("Information leaflet"), receipt=False, leaflet=True)
# What the counter prints after a dispensing: one document, one keystroke.
receipt_and_leaflet_pdf = _document(
    gettext_noop("Receipt %(n)s and leaflet"), receipt=True, leaflet=True
)
