"""End to end in a real browser (Debian's Chromium, headless, through Playwright)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from club.roles import Role
from tests.browser import sign_in
from tests.factories import make_club, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_board_signs_in_with_totp_and_sees_the_rulebook(page: Any) -> None:
    make_club()
    make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True, email="chair@test.example")
    sign_in(page, "chair@test.example", totp=True)
    assert page.locator("h1").inner_text() == "Grüner Kreis Berlin e.V."
    assert (
        page.get_by_role("row", name=re.compile(r"^Grams per calendar month"))
        .inner_text()
        .count("50 g")
        == 2
    )
    # Navigation follows the role: the board sees the club settings.
    assert page.get_by_role("link", name="Club settings").is_visible()

    page.select_option("#lang-select", "de")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Das Regelwerk").is_visible()


def test_looser_override_is_refused_in_the_page(page: Any) -> None:
    make_club()
    make_user(roles=(Role.BOARD,), mfa=True, email="chair2@test.example")
    sign_in(page, "chair2@test.example", totp=True)
    page.goto("/club/edit/")
    page.fill("#id_rule__month_grams", "70")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("alert").first.is_visible()
    assert "looser than the law" in page.content()


def test_member_without_mfa_sees_no_staff_navigation(page: Any) -> None:
    make_club()
    make_user(roles=(Role.MEMBER,), email="m@test.example")
    sign_in(page, "m@test.example", totp=False)
    assert page.get_by_role("link", name="My account").is_visible()
    assert page.get_by_role("link", name="Club settings").count() == 0
    page.goto("/club/edit/")
    assert "Access denied" in page.content()
