"""Edits behind the app's back, as someone who owns the database would make them."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction


def attacker_sql(statements: list[tuple[str, list[Any]]]) -> None:
    """Raw SQL with the triggers off: on PostgreSQL a superuser's replica mode (no session of the
    app's role can do this), on SQLite plain SQL (it has no triggers here)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        for statement, params in statements:
            cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            # SET LOCAL outlives a released savepoint: inside a test's transaction the triggers
            # would stay off for the rest of the test.
            cursor.execute("SET LOCAL session_replication_role = origin")
