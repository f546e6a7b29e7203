"""Every PDF of the app is a Django template rendered by WeasyPrint.

Templates extend ``pdf/base.html`` (print CSS with ``@page``, running header and footer with page
numbers, the vendored DejaVu fonts). WeasyPrint fetches only files under ``static/`` and ``data:``
URIs: a document never reaches the network, so a template cannot leak what it prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

STATIC_DIR = Path(settings.BASE_DIR) / "static"
# Annual reports are archived: PDF/A-3b keeps fonts embedded and the file self-contained.
ARCHIVE = "pdf/a-3b"

INSTALL_HINT = (
    "WeasyPrint needs the Pango libraries. On Debian or Ubuntu: "
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b; "
    "elsewhere see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"
)


class DocumentEngineMissing(RuntimeError):
    pass


def engine() -> Any:
    """The WeasyPrint module, or a clear error naming what to install."""
    try:
        import weasyprint
    except (OSError, ImportError) as exc:  # OSError: the shared libraries are missing
        raise DocumentEngineMissing(f"{exc}. {INSTALL_HINT}") from exc
    return weasyprint


def _fetcher() -> Any:
    """A URL fetcher for ``data:`` URIs and files under static/; everything else is refused."""
    weasyprint = engine()
    from weasyprint.urls import URLFetcher

    class StaticOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                parsed = urlparse(url)
                path = Path(unquote(parsed.path)).resolve()
                if not (
                    parsed.scheme == "file"
                    and path.is_relative_to(STATIC_DIR.resolve())
                    and path.is_file()
                ):
                    raise ValueError(f"documents load only static files: {url[:80]}")
            return super().fetch(url, headers)

    del weasyprint
    return StaticOnly(allowed_protocols={"data", "file"}, allow_redirects=False)


def pdf_render(
    template: str,
    context: dict[str, Any],
    *,
    title: str,
    archive: bool = False,
) -> bytes:
    """Render ``template`` with ``context`` to PDF bytes. ``archive`` makes it PDF/A-3b.

    Times in the context print in the active timezone and language (the request's, or the
    club's in a Celery task), as the pages do.
    """
    document = pdf_layout(template, context, title=title)
    options: dict[str, Any] = {"pdf_variant": ARCHIVE} if archive else {}
    return bytes(document.write_pdf(**options))


def pdf_layout(template: str, context: dict[str, Any], *, title: str) -> Any:
    """The laid-out WeasyPrint document (its pages and boxes), before it is written."""
    from club.selectors import club_get

    club = club_get()
    html = render_to_string(
        template,
        {
            "club_name": club.name if club else "csc",
            "document_title": title,
            "generated_at": timezone.localtime(),
            **context,
        },
    )
    weasyprint = engine()
    return weasyprint.HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=_fetcher()
    ).render()
