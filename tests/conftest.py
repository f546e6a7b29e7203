"""Shared fixtures. Tests that need PostgreSQL, Redis or Chromium are marked; without the service
they skip, and under CSC_STRICT=1 (CI) they fail instead."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from club.roles import Role
from tests.factories import TOTP_SECRET, make_user, totp_now

STRICT = os.environ.get("CSC_STRICT") == "1"
CHROMIUM = (
    os.environ.get("CSC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)


def need(available: bool, reason: str) -> None:
    """Skip without the service; fail under CSC_STRICT=1, so CI never passes by skipping."""
    if available:
        return
    if STRICT:
        pytest.fail(f"CSC_STRICT=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _services(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres"):
        need(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis"):
        need(redis_available(), "this test needs Redis (set REDIS_URL)")
    if request.node.get_closest_marker("browser"):
        need(bool(CHROMIUM), "this test needs Chromium (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def club(db: Any) -> Any:
    from tests.factories import make_club

    return make_club()


@pytest.fixture
def user_factory(db: Any) -> Callable[..., Any]:
    return make_user


@pytest.fixture
def board(club: Any) -> Any:
    return make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)


@pytest.fixture
def member(club: Any) -> Any:
    return make_user(roles=(Role.MEMBER,))


# The browser fixture lives beside the sign-in helper; registered here for every test.
from tests.browser import page  # noqa: E402

__all__ = ["CHROMIUM", "STRICT", "TOTP_SECRET", "need", "page", "totp_now"]


@pytest.fixture
def celery_worker(settings: Any) -> Iterator[None]:
    """A real Celery worker in a thread of this process, on Redis."""
    from celery.contrib.testing.worker import start_worker

    from csc.celery import app

    app.conf.update(
        task_always_eager=False, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(task_always_eager=True)


@pytest.fixture(autouse=True)
def _no_text_cut_in_any_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every PDF any test renders is laid out once more through this check: no text may run
    past its page's edge (the PDF's text would still hold it, so reading alone never sees it)."""
    from club import documents
    from tests.pdfs import overflowing

    layout = documents.pdf_layout

    def checked(*args: Any, **kwargs: Any) -> Any:
        document = layout(*args, **kwargs)
        cut = overflowing(document)
        assert not cut, f"{args[0]}: text past the page edge: {cut[:5]}"
        return document

    monkeypatch.setattr(documents, "pdf_layout", checked)


def _flush_as_owner() -> None:
    """Between transactional tests Django empties every table with TRUNCATE, which the
    append-only tables now refuse by trigger. The suite connects as a superuser, so it flushes
    with the triggers off, as the owner of a throw-away database may; the app's role cannot."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: list[str]) -> None:
        if self.connection.vendor != "postgresql":
            return original(self, sql_list)
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for statement in sql_list:
                cursor.execute(statement)
        return None

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign,assignment]


_flush_as_owner()
