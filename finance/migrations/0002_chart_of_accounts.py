from django.db import migrations


def create_chart(apps, schema_editor):
    from finance.chart import ensure

    ensure(apps.get_model("finance", "Account"))


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_ledger")]
    operations = [migrations.RunPython(create_chart, migrations.RunPython.noop)]
