"""E-mails of the admission process. Each goes to one person, in their language, after commit.

Called through ``transaction.on_commit`` with ids only; they read what they need.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from club.selectors import club_get


def _send(to: str, template: str, context: dict, language: str | None = None) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        club = club_get()
        context = {"club": club, "base_url": _base_url(), **context}
        subject = render_to_string(f"members/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"members/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def _base_url() -> str:
    host = (settings.ALLOWED_HOSTS or ["localhost"])[0]
    if host in ("*", "testserver", "127.0.0.1", "localhost"):
        host = "127.0.0.1:8000"
    return f"{settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL}://{host}"


def password_link(user: object) -> str:
    from allauth.account.utils import user_pk_to_url_str

    key = default_token_generator.make_token(user)  # type: ignore[arg-type]
    path = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
    )
    return _base_url() + path


def application_received(application_id: int, language: str) -> None:
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    from members.models import Application

    app = Application.objects.select_related("user").get(pk=application_id)
    address = EmailAddress.objects.filter(user=app.user, email__iexact=app.email).first()
    confirm_link = ""
    if address is not None and not address.verified:
        key = EmailConfirmationHMAC(address).key
        confirm_link = _base_url() + reverse("account_confirm_email", args=[key])
    _send(
        app.email,
        "application_received",
        {"application": app, "confirm_link": confirm_link},
        language,
    )


def application_email_taken(email: str, language: str) -> None:
    """To an address that already has a sign-in: an application was tried with it. The applicant
    sees the same answer as for a new application, so nobody learns who is a member."""
    _send(email, "application_email_taken", {}, language)


def sponsor_asked(application_id: int) -> None:
    from members.models import Application

    app = Application.objects.select_related("sponsor__user").get(pk=application_id)
    if app.sponsor is not None:
        _send(app.sponsor.user.email, "sponsor_asked", {"application": app})


def member_admitted(number: int) -> None:
    from members.models import Member

    member = Member.objects.select_related("user").get(number=number)
    _send(
        member.user.email,
        "member_admitted",
        {"member": member, "password_link": password_link(member.user)},
    )


def application_rejected(application_id: int) -> None:
    from members.models import Application

    app = Application.objects.get(pk=application_id)
    _send(app.email, "application_rejected", {"application": app})


def place_offered(application_id: int) -> None:
    from members.models import Application

    app = Application.objects.get(pk=application_id)
    _send(app.email, "place_offered", {"application": app})
