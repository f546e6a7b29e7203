"""Browser fixtures: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CHROMIUM
from tests.factories import PASSWORD, totp_now


@pytest.fixture
def page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls made by the
    # test itself stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        tab = context.new_page()
        tab.set_default_timeout(15000)
        # Every browser test is also a Content-Security-Policy test: a blocked script or style
        # (an inline handler someone added) fails it.
        violations: list[str] = []
        tab.on(
            "console",
            lambda msg: (
                violations.append(msg.text)
                if "Content Security Policy" in msg.text or "Refused to" in msg.text
                else None
            ),
        )
        try:
            yield tab
        finally:
            context.close()
            browser.close()
        assert violations == [], violations


def sign_in(page: Any, email: str, *, totp: bool) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    if totp:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("input[name=code]", totp_now())
        page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/" not in url)
