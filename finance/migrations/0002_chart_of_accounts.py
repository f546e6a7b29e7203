from django.db import migrations


def create_chart(apps, schema_editor):
    from finance.chart import CHART

    Account = apps.get_model("finance", "Account")
    for code, name, kind in CHART:
        Account.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_ledger")]
    operations = [migrations.RunPython(create_chart, migrations.RunPython.noop)]
