"""Uploads can never run in the app's origin, every page sends a Content-Security-Policy, and
pages for signed-in people are never cached (issue 9, point 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from club.errors import ServiceError
from club.roles import Role
from governance.services import document_add
from tests.factories import make_assembly, make_user, set_rules

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

HOSTILE = {
    "page.html": b"<html><script>alert(document.cookie)</script></html>",
    "image.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "fake.pdf": b"<!DOCTYPE html><script>alert(1)</script>",
    "empty.pdf": b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_html_svg_and_disguised_uploads_are_refused(club, name: str) -> None:
    set_rules("DE")
    assembly = make_assembly(convene=False, open_=False)
    with pytest.raises(ServiceError) as exc:
        document_add(
            actor=None, assembly_id=assembly.pk, title="x", content=HOSTILE[name], filename=name
        )
    assert exc.value.code == "DOCUMENT_TYPE_REFUSED" and exc.value.status == 400
    assert not assembly.documents.exists()


def test_accepted_uploads_are_served_as_attachments_with_their_real_type(client, club) -> None:
    set_rules("DE")
    assembly = make_assembly()
    doc = document_add(
        actor=None,
        assembly_id=assembly.pk,
        title="Budget",
        content=b"%PDF-1.4\n%%EOF",
        filename="budget.html",  # the name lies; the content decides
    )
    assert str(doc.file.name).endswith(".pdf")
    board = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)
    client.force_login(board)
    response = client.get(f"/assemblies/{assembly.pk}/documents/{doc.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_page_sends_a_strict_content_security_policy(client, club) -> None:
    for path in ("/", "/accounts/login/", "/apply/"):
        csp = client.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
        assert directives["script-src"] == "'self'"
        assert "unsafe" not in directives["script-src"] and "unsafe" not in directives["style-src"]
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_pages_of_signed_in_people_are_not_stored(client, club) -> None:
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    client.force_login(clerk)
    response = client.get("/counter/")
    assert "no-store" in response["Cache-Control"]
    client.logout()
    assert "no-store" not in client.get("/").get("Cache-Control", "")  # the public landing


def test_no_template_runs_inline_script() -> None:
    """The policy forbids inline scripts; a template that had one would silently break."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*application/json)",
            r"\son[a-z]+=",
            r"hx-on",
            r"javascript:",
        ):
            if re.search(pattern, text):
                offenders.append(f"{path.name}: {pattern}")
    assert offenders == []
