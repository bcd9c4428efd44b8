"""Bank officers (은행 담당자) are a staff role too: a group."""
from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="bank_officer")


def backward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="bank_officer").delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_role_groups")]
    operations = [migrations.RunPython(forward, backward)]
