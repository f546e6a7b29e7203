"""Database triggers that nobody can switch off from a session.

django-pgtrigger's triggers first ask ``pgtrigger.ignore``, a setting any session may set
(``SET LOCAL pgtrigger.ignore = '{...}'``), so any role allowed to UPDATE could edit an
append-only row. These triggers are compiled from a template without that escape hatch: only the
table's owner can drop or disable them, and the app's database role owns nothing.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from pgtrigger import compiler


class StrictTriggerSql(compiler.UpsertTriggerSql):
    """pgtrigger's installation SQL, less the ``pgtrigger.ignore`` check. (Migrations name this
    class: keep the template stable, or version it.)"""

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {pgid}()
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    {func}
                END;
            $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE {constraint} TRIGGER {pgid}
                {when} {operation} ON {table}
                {timing}
                {referencing}
                FOR EACH {level} {condition}
                EXECUTE PROCEDURE {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """


class _Strict:
    def compile(self: Any, model: Any) -> compiler.Trigger:
        return compiler.Trigger(
            name=self.name,
            sql=StrictTriggerSql(
                pgid=self.get_pgid(model),
                declare=self.render_declare(model),
                func=self.render_func(model),
                table=model._meta.db_table,
                constraint="CONSTRAINT" if self.timing else "",
                when=self.when,
                operation=self.operation,
                timing=f"DEFERRABLE INITIALLY {self.timing}" if self.timing else "",
                referencing=self.referencing or "",
                level=self.level,
                condition=self.render_condition(model),
                execute=self.render_execute(model),
            ),
        )


class StrictProtect(_Strict, pgtrigger.Protect):
    """Refuses the operation, whatever the session's settings."""


class StrictTrigger(_Strict, pgtrigger.Trigger):
    """A trigger with its own function, whatever the session's settings."""


def no_truncate() -> StrictTrigger:
    """TRUNCATE skips row triggers: a statement trigger refuses it."""
    return StrictTrigger(
        name="no_truncate",
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        level=pgtrigger.Statement,
        func=(
            "RAISE EXCEPTION 'csc: % is append-only; TRUNCATE is refused', TG_TABLE_NAME; "
            "RETURN NULL;"
        ),
    )
