"""The staff roles are groups: fund managers, auditors, judges, evaluators."""
from django.db import migrations

ROLE_GROUPS = ("fund_manager", "auditor", "judge", "evaluator")


def forward(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def backward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forward, backward)]
