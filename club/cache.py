"""The shared cache keeps answering when Redis is down.

Django's RedisCache raises on every call once Redis is unreachable, and the cache sits under the
sign-in rate limits, the application limits and the import progress: a Redis restart would turn
sign-in into a server error. This backend answers from a per-process memory cache instead while
Redis is unreachable (the rate limits then hold per process, which is weaker but never open), and
goes back to Redis as soon as it answers again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("csc.cache")
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
RETRY_AFTER = 5.0  # seconds before Redis is tried again after a failure

_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "decr",
    "set_many",
    "delete_many",
    "clear",
)


class FailoverRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, {**params, "OPTIONS": options})
        self._fallback = LocMemCache("csc-failover", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE:
                if not self._down_until:
                    log.warning("Redis cache unreachable: answering from process memory")
                self._down_until = time.monotonic() + RETRY_AFTER
        return getattr(self._fallback, name)(*args, **kwargs)


def _delegate(name: str) -> Any:
    def method(self: FailoverRedisCache, *args: Any, **kwargs: Any) -> Any:
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in _METHODS:
    setattr(FailoverRedisCache, _name, _delegate(_name))
