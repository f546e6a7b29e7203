"""The counter's name search (``UPPER(name::text) LIKE UPPER('%…%')``) served by trigram indexes on
PostgreSQL, so a lookup among 20,000 members costs what it costs among 1,000. pg_trgm is a
trusted extension: the database's owner, who runs migrations, may create it."""

from django.db import migrations

INDEXES = {
    "member_first_name_trgm": "first_name",
    "member_last_name_trgm": "last_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON members_member "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("members", "0006_strict_triggers")]
    operations = [migrations.RunPython(create, drop)]
