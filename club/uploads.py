"""Uploaded files: what the app accepts (PDF and images, judged by their content, never by the
name or the browser's claim) and how it hands them back (always as an attachment, with the type
it found and ``nosniff``), so an uploaded page or SVG can never run in the app's origin."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from club import errors
from club.errors import ServiceError

DOCUMENT_TYPE_REFUSED = "DOCUMENT_TYPE_REFUSED"

# Leading bytes of the formats accepted, with the type and the file name ending they get.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, ending) of a PDF, PNG or JPEG; None for anything else."""
    for signature, content_type, ending in _SIGNATURES:
        if content.startswith(signature):
            return content_type, ending
    return None


def accepted_document(content: bytes, filename: str, *, field: str = "file") -> str:
    """A safe file name for ``content`` if it is a PDF or an image, else a 400 refusal."""
    found = sniff(content)
    if found is None:
        message = _("Only PDF files and images (PNG, JPEG) are accepted.")
        raise ServiceError(DOCUMENT_TYPE_REFUSED, message, status=400, fields={field: [message]})
    stem = "".join(c for c in filename.rsplit(".", 1)[0] if c.isalnum() or c in "-_")[:80]
    return f"{stem or 'document'}.{found[1]}"


def attachment(field: Any, name: str) -> FileResponse:
    """A stored upload handed back as an attachment with the type its content shows."""
    if not field:
        raise Http404
    with field.open("rb") as handle:
        head = handle.read(16)
    content_type = (sniff(head) or ("application/octet-stream", ""))[0]
    response = FileResponse(
        field.open("rb"), filename=name, as_attachment=True, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["DOCUMENT_TYPE_REFUSED", "accepted_document", "attachment", "errors", "sniff"]
