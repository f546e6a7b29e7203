"""Run functions at the same moment, each in its own thread and database connection, for the
concurrency tests on PostgreSQL. The helper fails the test when a thread raises anything but a
refusal (``ServiceError``) or does not finish, so a crash never passes for a refusal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from club.errors import ServiceError


def together(n: int, fn: Callable[[int], Any], *, timeout: float = 120) -> list[Any]:
    """``fn(0)`` … ``fn(n - 1)``, released at once; each result in order, or its refusal's code."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    failures: list[tuple[int, BaseException]] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[i] = fn(i)
        except ServiceError as exc:
            results[i] = exc.code
        except BaseException as exc:
            with lock:
                failures.append((i, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    stuck = [i for i, t in enumerate(threads) if t.is_alive()]
    if stuck:
        pytest.fail(f"threads {stuck} did not finish within {timeout} s")
    if failures:
        i, exc = failures[0]
        pytest.fail(f"{len(failures)} thread(s) failed; thread {i}: {exc!r}")
    return results
