"""A small rate limit on the shared cache (Redis in production), for public writes such as
membership applications. The client address is hashed: no IP address is stored or logged.

Behind the proxy every request comes from the proxy's address; the client's is read the way
allauth reads it for the sign-in limits (``ALLAUTH_TRUSTED_PROXY_COUNT`` hops of
X-Forwarded-For, set from ``CSC_TRUSTED_PROXIES``), so one client's attempts never lock out
everyone behind the same proxy."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from club.errors import ServiceError

RATE_LIMITED = "RATE_LIMITED"


def client_key(request: HttpRequest) -> str:
    from allauth.core.internal.httpkit import get_client_ip

    try:
        address = get_client_ip(request) or "unknown"
    except ImproperlyConfigured:  # fewer X-Forwarded-For entries than trusted proxies
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
