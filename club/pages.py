"""Helpers for views: how a page reacts to a service's refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest

from club.errors import ServiceError

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
