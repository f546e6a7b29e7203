"""Create the role groups and the audit chain's head row."""

from django.db import migrations

ROLES = ["board", "counter", "grower", "treasurer", "prevention_officer", "member"]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    AuditChainHead = apps.get_model("club", "AuditChainHead")
    AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("club", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, remove)]
