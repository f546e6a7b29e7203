"""Every language ships a compiled catalog that translates the app's own strings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from club.errors import MESSAGES
from club.roles import Role
from club.rulebook import RULES

ROOT = Path(__file__).resolve().parents[2]
LANGS = [code for code, _ in settings.LANGUAGES if code != "en"]


def _po_entries(lang: str) -> list[tuple[str, str]]:
    """msgid/msgstr pairs from the .po file (a small reader: single and multi-line strings)."""
    text = (ROOT / "locale" / lang / "LC_MESSAGES" / "django.po").read_text()
    entries = []
    for block in text.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""\n"Project' not in block:
            entries.append(("FUZZY", ""))
        m = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if m:

            def join(s: str) -> str:
                return "".join(re.findall(r'"(.*)"', s))

            entries.append((join(m.group(1)), join(m.group(2))))
    return entries


@pytest.mark.parametrize("lang", LANGS)
def test_po_file_has_no_untranslated_or_fuzzy_entry(lang: str) -> None:
    entries = [(i, s) for i, s in _po_entries(lang) if i]
    assert len(entries) > 100
    assert [i for i, s in entries if not s] == []


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_translates_rules_roles_and_errors(lang: str) -> None:
    texts = [r.label for r in RULES] + [r.label for r in Role] + list(MESSAGES.values())
    with translation.override("en"):
        english = [str(t) for t in texts]
    with translation.override(lang):
        translated = [str(t) for t in texts]
    same = [e for e, t in zip(english, translated, strict=True) if e == t]
    # A few words are the same in both languages (Uruguay's law name, "Status").
    assert same == [], same


@pytest.mark.django_db
def test_language_switch_sets_the_page_language(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert "Iniciar sesión" in response.content.decode()
