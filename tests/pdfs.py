"""Reading the PDFs the app makes, as an auditor would: the text of every page."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, whitespace folded (a wrapped line reads as one)."""
    assert data.startswith(b"%PDF"), data[:40]
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


def pdf_fonts(data: bytes) -> set[str]:
    """The base names of the fonts the PDF embeds."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"].get_object()
        fonts = resources.get("/Font") or {}
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def overflowing(document: Any) -> list[str]:
    """Text a laid-out WeasyPrint document puts beyond its page's right or bottom edge (text
    there is still in the PDF's content, so reading the text alone would never see it cut)."""
    from weasyprint.formatting_structure import boxes

    out = []
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TextBox) and box.text.strip():
                right = box.position_x + box.width
                bottom = box.position_y + box.height
                if right > page.width + 0.5 or bottom > page.height + 0.5:
                    out.append(f"page {number}: {box.text[:40]!r}")
    return out
