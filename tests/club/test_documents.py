"""Every PDF is a template rendered by WeasyPrint: whole legal texts, vendored fonts, the club's
language and timezone, and nothing fetched from outside the static files."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import formats, timezone, translation

from club.documents import pdf_render
from dispensing.documents import RECEIPT_WARNING, WARNINGS, leaflet_pdf, receipt_and_leaflet_pdf
from tests.factories import dispense, make_lot, make_member
from tests.pdfs import pdf_fonts, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


def test_the_receipt_and_leaflet_carry_every_legal_text_whole(club) -> None:
    member = make_member(first_name="Rita", last_name="Receipt")
    lot = make_lot(grams="50", thc="14.5", cbd="0.8")
    d = dispense(member, lot, "3.25").dispensing
    receipt, leaflet = pdf_pages(receipt_and_leaflet_pdf(d))
    assert f"Receipt {d.receipt}" in receipt and f"Member no. {member.number}" in receipt
    assert "3.25 g · THC 14.50 % · CBD 0.80 %" in receipt
    assert RECEIPT_WARNING in receipt  # once cut off after "Passing it on is"
    for warning in WARNINGS:
        assert warning in leaflet, warning
    assert "Weight: 3.25 g" in leaflet and "Average THC content: 14.50 %" in leaflet
    assert lot.code in leaflet
    assert "Rita" not in receipt + leaflet  # the receipt names the number, not the person


def test_the_leaflet_prints_in_the_clubs_language(club) -> None:
    d = dispense(make_member(), make_lot(grams="50"), "2").dispensing
    with translation.override("de"):
        text = pdf_text(leaflet_pdf(d))
    assert "Gesundheitshinweise" in text or "Warnhinweise" in text
    assert "Health warnings" not in text


def test_documents_embed_the_vendored_fonts_and_number_their_pages(club) -> None:
    lines = [f"Line {i} with ümlauts and € signs" for i in range(120)]
    data = pdf_render("pdf/note.html", {"lines": lines}, title="Long note")
    pages = pdf_pages(data)
    assert len(pages) >= 3
    assert f"1 / {len(pages)}" in pages[0] and f"{len(pages)} / {len(pages)}" in pages[-1]
    assert all("Long note" in page and club.name in page for page in pages)
    assert "Line 119 with ümlauts and € signs" in pages[-1]
    assert {name.split("+")[-1] for name in pdf_fonts(data)} <= {"DejaVu-Sans", "DejaVu-Sans-Bold"}


def test_document_times_print_in_the_active_timezone(club) -> None:
    d = dispense(make_member(), make_lot(grams="50"), "2").dispensing
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    with timezone.override(berlin), translation.override("en"):
        text = pdf_text(receipt_and_leaflet_pdf(d))
        local = formats.date_format(timezone.localtime(d.dispensed_at), "DATETIME_FORMAT")
    utc = formats.date_format(d.dispensed_at.astimezone(dt.UTC), "DATETIME_FORMAT")
    assert local != utc and local in text and utc not in text


def test_a_document_loads_nothing_from_outside_the_static_files(tmp_path) -> None:
    from club.documents import STATIC_DIR, _fetcher

    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    fetcher = _fetcher()
    for url in (secret.as_uri(), "http://127.0.0.1:9/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    outside = (STATIC_DIR / ".." / "pyproject.toml").resolve()
    with pytest.raises(ValueError):
        fetcher.fetch(outside.as_uri())
    assert b"@font-face" in fetcher.fetch((STATIC_DIR / "css" / "print.css").as_uri()).read()


def test_check_says_what_to_install_when_the_engine_cannot_load(monkeypatch) -> None:
    from club import documents
    from club.apps import check_document_engine

    assert check_document_engine() == []

    def missing() -> None:
        raise documents.DocumentEngineMissing("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(documents, "engine", missing)
    errors = check_document_engine()
    assert [e.id for e in errors] == ["csc.E010"] and "apt-get install" in str(errors[0].hint)
