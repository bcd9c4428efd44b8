"""Backers (후원자: citizens who sign up by themselves to pledge) are a role too: a group."""
from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="backer")


def backward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="backer").delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0003_bank_officer_group")]
    operations = [migrations.RunPython(forward, backward)]
