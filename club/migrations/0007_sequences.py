"""The number sequences the services draw from, created by the owner at migrate time (the app's
database role may not run DDL, so it must not create them on first use)."""

from django.db import migrations

NAMES = ("batch_code", "lot_code", "receipt", "member_number")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS csc_seq_{name}")


class Migration(migrations.Migration):
    dependencies = [("club", "0006_checkpoint")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
