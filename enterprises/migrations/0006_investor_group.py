"""Investors (투자자: users of an institution investing in social impact bonds) are a role too: a group."""
from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="investor")


def backward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="investor").delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0005_user_email_verified_at")]
    operations = [migrations.RunPython(forward, backward)]
