"""The counter in a real browser: scan, check ID, weigh, confirm, and back to the scan field,
all from the keyboard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from club.roles import Role
from dispensing.models import Dispensing
from members.cards import card_token
from tests.browser import sign_in
from tests.factories import make_lot, make_member, make_user, set_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page: Any, selector: str) -> bool:
    return bool(page.locator(selector).evaluate("el => el === document.activeElement"))


def test_a_clerk_serves_a_member_from_the_keyboard(page: Any) -> None:
    set_rules("DE")
    make_user(roles=(Role.COUNTER,), mfa=True, email="desk@test.example")
    lot = make_lot(grams="100", thc="9")
    member = make_member(first_name="Kim", last_name="Kunde")
    sign_in(page, "desk@test.example", totp=True)
    page.goto("/counter/")
    assert focused(page, "#scan")
    page.keyboard.type(card_token(member))
    page.keyboard.press("Enter")
    page.locator(f"article[data-number='{member.number}']").wait_for()
    assert page.locator("[data-remaining='day']").inner_text() == "25.00 g"
    assert focused(page, "input[name=id_checked]")
    page.keyboard.press("Space")  # card and ID checked
    page.keyboard.press("Tab")  # the lot (the first available is chosen)
    page.keyboard.press("Tab")  # grams
    page.keyboard.type("2,5")
    page.keyboard.press("Enter")
    page.locator("[data-receipt]").wait_for()
    assert focused(page, "#scan")
    d = Dispensing.objects.get()
    assert d.grams == Decimal("2.5") and d.lot == lot and d.card_scanned and d.id_checked
    # The next scan of the same member shows the lower remaining quota.
    page.keyboard.type(str(member.number))
    page.keyboard.press("Enter")
    page.locator("[data-remaining='day']").wait_for()
    assert page.locator("[data-remaining='day']").inner_text() == "22.50 g"
    assert page.url.endswith("/counter/")  # partial updates only, no reload
