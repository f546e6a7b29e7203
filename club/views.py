"""Pages of the club app: the dashboard, the club's settings, the account page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from club.errors import ServiceError
from club.forms import ClubForm, TokenForm, rule_field_name
from club.pages import call_service, refusal_on_form
from club.roles import (
    PUBLIC,
    SIGNED_IN,
    STAFF_ROLES,
    Role,
    has_mfa,
    role_required,
    user_roles,
)
from club.rulebook import RULES, preset_values
from club.selectors import api_token_days, api_tokens_of, club_get, rulebook_get
from club.services import api_token_create, api_token_revoke, club_update


def _rulebook_rows(club: Any) -> list[dict[str, Any]]:
    book = rulebook_get(club=club)
    law = preset_values(book.preset)
    return [
        {
            "label": rule.label,
            "unit": rule.unit_for(getattr(book, rule.key)),
            "preset_unit": rule.unit_for(law[rule.key]),
            "value": getattr(book, rule.key),
            "preset": law[rule.key],
            "overridden": rule.key in book.overridden,
            "kind": rule.kind.__name__,
        }
        for rule in RULES
    ]


@role_required(PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    club = getattr(request, "club", None) or club_get()
    if not request.user.is_authenticated:
        return render(request, "club/landing.html", {"club": club})
    roles = user_roles(request.user)
    if Role.MEMBER in roles and not roles & STAFF_ROLES:
        # Members land on their own page (quota, card, open polls); the composition root
        # serves it under this name, since it reads apps above this one.
        return redirect("member_home")
    return render(
        request,
        "club/dashboard.html",
        {
            "club": club,
            "rulebook": rulebook_get(club=club),
            "rows": _rulebook_rows(club),
        },
    )


@role_required(Role.BOARD)
def club_edit(request: HttpRequest) -> HttpResponse:
    club = club_get()
    if club is None:
        raise Http404
    form = ClubForm(request.POST or None, club=club)
    if request.method == "POST" and form.is_valid():
        values = {f.name: form.cleaned_data[f.name] for f in form.club_fields()}
        try:
            club_update(actor=request.user, overrides=form.overrides(), **values)
        except ServiceError as exc:
            refusal_on_form(
                form,
                exc,
                field_for=lambda key: (
                    rule_field_name(key) if rule_field_name(key) in form.fields else key
                ),
            )
        else:
            messages.success(request, _("The club's settings were saved."))
            return redirect("club:home")
    return render(request, "club/club_edit.html", {"form": form, "club": club})


@role_required(SIGNED_IN)
def account(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = api_token_create(user=user, name=form.cleaned_data["name"])
        except ServiceError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Copy the token now: it will not be shown again."))
            form = TokenForm()
    response = render(
        request,
        "club/account.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": api_tokens_of(user_id=user.pk),
            "roles": [Role(r).label for r in sorted(user_roles(user))],
            "mfa": has_mfa(user),
            "token_days": api_token_days(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@role_required(SIGNED_IN)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    call_service(
        request,
        api_token_revoke,
        user=request.user,
        token_id=pk,
        success=_("The token was revoked."),
    )
    return redirect("club:account")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(loader.get_template("500.html").render({}), status=500)
