"""Helpers for views: how a page reacts to a service's refusal, and the page of one form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _

from club.errors import INVALID_INPUT, ServiceError

T = TypeVar("T")


def call_service(
    request: HttpRequest, service: Callable[..., T], /, *, success: Any = None, **kwargs: Any
) -> T | None:
    """Run ``service``; a 404 refusal becomes the page's 404, any other refusal a flash message.

    Returns the service's result, or None when it refused (nothing was written).
    """
    try:
        result = service(**kwargs)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
        return None
    if success is not None:
        messages.success(request, success)
    return result


def refusal_on_form(
    form: Any,
    exc: ServiceError,
    *,
    field_for: Callable[[str], str] | None = None,
    with_code: bool = False,
) -> None:
    """Put a service's refusal on a form: each problem on the field it names, and the refusal
    itself on top when no field took it or when a rule (not malformed input) refused."""
    placed = False
    for key, problems in exc.fields.items():
        name = field_for(key) if field_for else key
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            placed = True
    if not placed or exc.code != INVALID_INPUT:
        form.add_error(None, f"{exc.code}: {exc.message}" if with_code else str(exc.message))


def form_page(
    request: HttpRequest,
    form_class: type[forms.Form],
    *,
    title: Any,
    action: Callable[[dict[str, Any]], Any],
    done: str,
    intro: Any = "",
    back: str = "",
    initial: dict[str, Any] | None = None,
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    """A page with one form whose valid data goes to ``action`` (a service call). A refusal
    shows on the form and writes nothing; ``back`` (a URL name or path, default ``done``) is where
    the Back button goes."""
    form = form_class(
        request.POST or None, request.FILES or None, initial=initial, **(form_kwargs or {})
    )
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except ServiceError as exc:
            refusal_on_form(form, exc, with_code=True)
        else:
            messages.success(request, _("Saved."))
            return redirect(done)
    context = {"form": form, "title": title, "intro": intro, "back": resolve_url(back or done)}
    return render(request, "form.html", context)
