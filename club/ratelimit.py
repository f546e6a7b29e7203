"""A small rate limit on the shared cache (Redis in production), for public writes such as
membership applications. The client address is hashed: no IP address is stored or logged."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from club.errors import ServiceError

RATE_LIMITED = "RATE_LIMITED"


def client_key(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return hashlib.sha256(address.encode()).hexdigest()[:24]


def hit(request: HttpRequest, action: str, *, limit: int, per_seconds: int) -> None:
    """Count one ``action`` for this client; refuse (429) past ``limit`` in the window."""
    window = int(time.time()) // per_seconds
    key = f"csc:rl:{action}:{client_key(request)}:{window}"
    cache.add(key, 0, timeout=per_seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=per_seconds + 5)
        count = 1
    if count > limit:
        raise ServiceError(
            RATE_LIMITED, _("Too many attempts. Please try again later."), status=429
        )
