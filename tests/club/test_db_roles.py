"""Issue 12, point 1: as the app's database role, no append-only row can be changed, deleted or
truncated, no trigger switched off or ignored, no table altered; as a superuser, the triggers
still ignore ``pgtrigger.ignore`` and refuse TRUNCATE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from club.dbroles import db_roles_grant
from club.models import AppendOnlyModel, AuditEvent
from tests.factories import dispense, make_lot, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
APP_ROLE = "csc_app_test"


def append_only_tables() -> list[tuple[str, str]]:
    """(table, a column that is neither the key nor erasable) of every append-only model."""
    out = []
    for model in apps.get_models():
        if issubclass(model, AppendOnlyModel):
            erasable = set(getattr(model, "ERASABLE", ()))
            column = next(
                str(f.column)
                for f in model._meta.concrete_fields
                if not f.primary_key and f.name not in erasable
            )
            out.append((model._meta.db_table, column))
    return sorted(out)


@pytest.fixture
def app_role(django_db_blocker: Any) -> Iterator[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(
                sql.SQL("CREATE ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOLOGIN").format(
                    sql.Identifier(APP_ROLE)
                )
            )
    assert db_roles_grant(APP_ROLE)
    yield APP_ROLE


def refused(statement: Any, *, role: str | None, setup: str = "") -> bool:
    """Whether PostgreSQL refuses ``statement`` (in a savepoint, as ``role``)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if role:
                cursor.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            if setup:
                cursor.execute(setup)
            cursor.execute(statement)
    except DatabaseError:
        return True
    return False


def test_there_are_append_only_tables_to_attack() -> None:
    assert len(append_only_tables()) >= 30


def test_the_app_role_can_neither_edit_nor_bypass_on_any_append_only_table(
    club: Any, app_role: str
) -> None:
    dispense(make_member(), make_lot(grams="50"), "2")  # rows to aim at
    names = ",".join(f"{t}:append_only" for t, _c in append_only_tables())
    ignore_all = f"SET LOCAL pgtrigger.ignore = '{{{names}}}'"
    failures = []
    for table, column in append_only_tables():
        t, c = sql.Identifier(table), sql.Identifier(column)
        attacks = {
            "update": (sql.SQL("UPDATE {t} SET {c} = {c}").format(t=t, c=c), ""),
            "delete": (sql.SQL("DELETE FROM {t}").format(t=t), ""),
            "truncate": (sql.SQL("TRUNCATE {t} CASCADE").format(t=t), ""),
            "update, ignoring triggers": (
                sql.SQL("UPDATE {t} SET {c} = {c}").format(t=t, c=c),
                ignore_all,
            ),
            "delete, ignoring triggers": (sql.SQL("DELETE FROM {t}").format(t=t), ignore_all),
            "disable trigger": (sql.SQL("ALTER TABLE {t} DISABLE TRIGGER ALL").format(t=t), ""),
            "alter table": (sql.SQL("ALTER TABLE {t} ADD COLUMN x int").format(t=t), ""),
            "replica mode": (
                sql.SQL("DELETE FROM {t}").format(t=t),
                "SET LOCAL session_replication_role = replica",
            ),
        }
        for name, (statement, setup) in attacks.items():
            if not refused(statement, role=app_role, setup=setup):
                failures.append(f"{table}: {name}")
    assert failures == []
    # The app role still does its work: it reads, locks and appends, and blanks what the
    # retention purge may blank.
    assert not refused("SELECT count(*) FROM club_auditevent", role=app_role)
    assert not refused("SELECT id FROM club_auditevent FOR UPDATE", role=app_role)
    assert not refused("UPDATE members_memberdecision SET reason = ''", role=app_role)
    assert refused("UPDATE members_memberdecision SET reason = 'x'", role=app_role, setup="")
    assert refused(
        "UPDATE members_memberdecision SET reason = 'x'",
        role=app_role,
        setup="SET LOCAL pgtrigger.ignore = '{members_memberdecision:append_only_but_erasure}'",
    )


def test_even_a_superuser_session_cannot_ignore_the_triggers(club: Any) -> None:
    dispense(make_member(), make_lot(grams="50"), "2")
    assert AuditEvent.objects.exists()
    setup = "SET LOCAL pgtrigger.ignore = '{club_auditevent:append_only}'"
    assert refused("UPDATE club_auditevent SET action = 'x'", role=None, setup=setup)
    assert refused("DELETE FROM dispensing_dispensing", role=None, setup=setup)
    for table, _column in append_only_tables():
        statement = sql.SQL("TRUNCATE {} CASCADE").format(sql.Identifier(table))
        assert refused(statement, role=None), table
