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


@pytest.mark.django_db
def test_pages_show_translated_counts_units_and_labels_never_raw_values(client) -> None:
    """Issue 9, point 24: plural units, yes/no/abstain, majority names, "Preset: yes"."""
    from club.roles import Role
    from governance.services import ballot_cast, poll_close, poll_create, poll_open
    from tests.factories import make_assembly, make_member, make_user, set_rules

    set_rules("DE")
    board = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)
    voter = make_member(card=False)
    assembly = make_assembly()
    poll = poll_create(
        actor=None,
        item_id=assembly.items.order_by("position")[0].pk,
        question="Satzungsänderung",
        majority="three_quarters",
        visibility="named",
    )
    poll_open(actor=None, poll_id=poll.pk)
    ballot_cast(user=voter.user, poll_id=poll.pk, choice="abstain")
    poll_close(actor=None, poll_id=poll.pk)
    client.force_login(board)
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    dashboard = client.get("/").content.decode()
    assert re.search(r"\b1 Werktag(?!e)", dashboard) and "1 Werktage" not in dashboard
    settings_page = client.get("/club/").content.decode()
    assert "Preset: True" not in settings_page and "True" not in settings_page
    for path in (f"/assemblies/{assembly.pk}/", f"/board/assemblies/{assembly.pk}/"):
        page = client.get(path).content.decode()
        assert "Enthaltung: 1" in page and "Ja: 0" in page, path
        shown = re.sub(r"<[^>]+>", " ", page)  # the text a person reads, not option values
        assert "three_quarters" not in shown and "abstain:" not in shown, path
        assert "Drei Viertel" in shown, path


def test_one_date_format_per_language() -> None:
    import datetime as dt

    from django.utils import formats

    day = dt.date(2027, 3, 9)
    expected = {"en": "9 Mar 2027", "de": "09.03.2027", "es": "09/03/2027", "fr": "09/03/2027"}
    for lang, text in expected.items():
        with translation.override(lang):
            assert formats.date_format(day, "DATE_FORMAT") == text
            assert formats.date_format(day, "SHORT_DATE_FORMAT") == text
