"""The Korean supervisory asset classification (자산건전성 분류) for corporate loans, as data."""

from decimal import Decimal

from django.db import migrations

RULES = [
    # code, Korean name, from days past due, part, allowance rate, severity
    ("normal", "정상", 0, "all", Decimal("0.0085"), 0),
    ("precautionary", "요주의", 30, "all", Decimal("0.0700"), 1),
    ("substandard", "고정", 90, "secured", Decimal("0.2000"), 2),
    ("doubtful", "회수의문", 90, "unsecured", Decimal("0.5000"), 3),
    ("estimated_loss", "추정손실", 365, "unsecured", Decimal("1.0000"), 4),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("funds", "AssetClassRule")
    for code, name, days, part, rate, severity in RULES:
        Rule.objects.update_or_create(
            code=code,
            defaults={"korean_name": name, "min_days_past_due": days, "part": part, "allowance_rate": rate,
                      "severity": severity},
        )


def unseed(apps, schema_editor):
    apps.get_model("funds", "AssetClassRule").objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("funds", "0002_servicing")]
    operations = [migrations.RunPython(seed, unseed)]
