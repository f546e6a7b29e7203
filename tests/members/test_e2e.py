"""Members end to end in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from club.roles import Role
from members.cards import card_token
from members.models import Application
from members.services import member_status_change
from tests.browser import sign_in
from tests.factories import born_years_ago, make_member, make_user, set_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_applies_through_the_form(page: Any) -> None:
    set_rules("DE")
    page.goto("/apply/")
    page.fill("#id_first_name", "Berta")
    page.fill("#id_last_name", "Browser")
    page.fill("#id_date_of_birth", str(born_years_ago(17)))
    page.fill("#id_email", "berta@test.example")
    page.fill("#id_password", "Kx9!long-unique-pass")
    page.fill("#id_address", "Weg 5, Berlin")
    page.fill("#id_residence_country", "de")
    page.fill("#id_resident_since", "2011-03-01")
    page.fill("#id_forecast_grams", "12,5")
    page.check("#id_one_club_declared")
    page.check("#id_statutes_accepted")
    page.check("#id_privacy_accepted")
    page.get_by_role("button", name="Send the application").click()
    assert "at least 18" in page.content()  # refused: 17 years old
    assert not Application.objects.exists()
    page.fill("#id_date_of_birth", str(born_years_ago(19)))
    page.fill("#id_password", "Kx9!long-unique-pass")
    page.get_by_role("button", name="Send the application").click()
    page.wait_for_url("**/apply/done/")
    assert Application.objects.get().first_name == "Berta"


def test_counter_scans_cards_without_touching_the_mouse(page: Any) -> None:
    set_rules("DE")
    make_user(roles=(Role.COUNTER,), mfa=True, email="clerk@test.example")
    good = make_member(first_name="Gabi", last_name="Gültig")
    bad = make_member(first_name="Sven", last_name="Gesperrt")
    bad_token = card_token(bad)
    member_status_change(actor=None, number=bad.number, action="suspend", reason="arrears")
    sign_in(page, "clerk@test.example", totp=True)
    page.goto("/counter/card-check/")
    scan = page.locator("input[name=token]")
    assert scan.evaluate("el => el === document.activeElement")
    # A USB scanner types the token and Enter.
    page.keyboard.type(card_token(good))
    page.keyboard.press("Enter")
    page.locator(f"[data-number='{good.number}']").wait_for()
    assert "Gültig" in page.locator("#card-result").inner_text()
    assert scan.input_value() == ""
    assert scan.evaluate("el => el === document.activeElement")
    page.keyboard.type(bad_token)
    page.keyboard.press("Enter")
    page.locator("[data-code='MEMBER_SUSPENDED']").wait_for()
    assert page.url.endswith("/counter/card-check/")  # no full reload
