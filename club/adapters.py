from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up freely: people join through the membership application (members app)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> Any:
        return super().get_login_redirect_url(request)


def user_display(user: Any) -> str:
    """How allauth names the user in messages: the e-mail address (``str(user)`` is only an id,
    to keep personal data out of logs)."""
    return str(getattr(user, "email", "") or "")
