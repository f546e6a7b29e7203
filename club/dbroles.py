"""Two database roles: the owner runs the migrations; the app runs as a role that owns nothing.

The app role may read and write rows, and nothing more: no TRUNCATE, no DDL, no trigger switched
off (only a table's owner may), and the append-only triggers ignore ``pgtrigger.ignore``
(``club.triggers``). ``db_roles_grant`` gives it its rights after every ``migrate``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from psycopg import sql


def db_roles_grant(role: str | None = None) -> bool:
    """Grant the app role what it needs on every table and sequence of the schema (and on the
    tables later migrations create). Runs as the owner; a no-op off PostgreSQL or without a
    role named. Returns whether it granted."""
    role = role or settings.CSC_DB_APP_ROLE
    if not role or connection.vendor != "postgresql":
        return False
    name = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            name
        ),
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
        sql.SQL(
            "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}"
        ).format(name),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(name),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {}"
        ).format(name),
    ]
    # Append-only tables: rows are read and added, never changed or removed. UPDATE stays on the
    # key column only (SELECT ... FOR UPDATE needs one; the trigger refuses any real change) and
    # on the personal columns the retention purge blanks.
    from django.apps import apps

    from club.models import AppendOnlyModel

    for model in apps.get_models():
        if not issubclass(model, AppendOnlyModel):
            continue
        table = sql.Identifier(model._meta.db_table)
        fields: list[Any] = [model._meta.pk]
        fields += [model._meta.get_field(name) for name in getattr(model, "ERASABLE", ())]
        columns: list[Any] = [sql.Identifier(str(f.column)) for f in fields]
        statements += [
            sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(table, name),
            sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(
                sql.SQL(", ").join(columns), table, name
            ),
        ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return True
