"""A fund's opening day (기금 조성일), from which its capital and loans are dated; bounds on loan terms (ten years at
most, every rate within the legal maximum). An existing fund's opening day is the earliest of its journals' dates
and the day it was created."""

import django.core.validators
from decimal import Decimal
from django.db import migrations, models
from django.utils import timezone


def fill_opened_on(apps, schema_editor):
    Fund = apps.get_model("funds", "Fund")
    Journal = apps.get_model("ledger", "Journal")
    for fund in Fund.objects.all():
        first = Journal.objects.filter(book_id=fund.book_id).order_by("effective_date").values_list(
            "effective_date", flat=True).first()
        created = timezone.localtime(fund.created_at).date()
        fund.opened_on = min(first, created) if first else created
        fund.save(update_fields=["opened_on"])


class Migration(migrations.Migration):

    dependencies = [
        ('enterprises', '0002_role_groups'),
        ('funds', '0003_asset_class_rules'),
        ('ledger', '0002_postgres_triggers'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='loan',
            name='loan_spread_not_negative',
        ),
        migrations.RemoveConstraint(
            model_name='loan',
            name='loan_cap_legal_maximum',
        ),
        migrations.RemoveConstraint(
            model_name='loanproduct',
            name='product_spread_not_negative',
        ),
        migrations.RemoveConstraint(
            model_name='loanproduct',
            name='product_cap_legal_maximum',
        ),
        migrations.AddField(
            model_name='fund',
            name='opened_on',
            field=models.DateField(help_text='The day the fund began: nothing of it (capital, loans) is dated earlier.', null=True, verbose_name='opened on (기금 조성일)'),
        ),
        migrations.RunPython(fill_opened_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='fund',
            name='opened_on',
            field=models.DateField(help_text='The day the fund began: nothing of it (capital, loans) is dated earlier.', verbose_name='opened on (기금 조성일)'),
        ),
        migrations.AlterField(
            model_name='loan',
            name='annual_rate',
            field=models.DecimalField(decimal_places=5, max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('0.20000'))], verbose_name='annual rate'),
        ),
        migrations.AlterField(
            model_name='loan',
            name='default_rate_cap',
            field=models.DecimalField(decimal_places=5, default='0.20000', max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('0.20000'))], verbose_name='default interest cap'),
        ),
        migrations.AlterField(
            model_name='loan',
            name='default_spread',
            field=models.DecimalField(decimal_places=5, default='0.03000', max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('0.20000'))], verbose_name='default interest spread (연체가산금리)'),
        ),
        migrations.AlterField(
            model_name='loan',
            name='grace_months',
            field=models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(119)], verbose_name='grace months (거치기간)'),
        ),
        migrations.AlterField(
            model_name='loan',
            name='term_months',
            field=models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='term in months'),
        ),
        migrations.AlterField(
            model_name='loanproduct',
            name='annual_rate',
            field=models.DecimalField(decimal_places=5, max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('0.20000'))], verbose_name='annual rate'),
        ),
        migrations.AlterField(
            model_name='loanproduct',
            name='default_rate_cap',
            field=models.DecimalField(decimal_places=5, default='0.20000', max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('0.20000'))], verbose_name='default interest cap'),
        ),
        migrations.AlterField(
            model_name='loanproduct',
            name='default_spread',
            field=models.DecimalField(decimal_places=5, default='0.03000', max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('0.20000'))], verbose_name='default interest spread (연체가산금리)'),
        ),
        migrations.AlterField(
            model_name='loanproduct',
            name='grace_months',
            field=models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(119)], verbose_name='grace months (거치기간)'),
        ),
        migrations.AlterField(
            model_name='loanproduct',
            name='term_months',
            field=models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='term in months'),
        ),
        migrations.AddConstraint(
            model_name='loan',
            constraint=models.CheckConstraint(condition=models.Q(('default_spread__gte', 0), ('default_spread__lte', Decimal('0.20000'))), name='loan_spread_within_legal_maximum'),
        ),
        migrations.AddConstraint(
            model_name='loan',
            constraint=models.CheckConstraint(condition=models.Q(('default_rate_cap__lte', Decimal('0.20000'))), name='loan_cap_legal_maximum'),
        ),
        migrations.AddConstraint(
            model_name='loan',
            constraint=models.CheckConstraint(condition=models.Q(('term_months__lte', 120)), name='loan_term_at_most_ten_years'),
        ),
        migrations.AddConstraint(
            model_name='loanproduct',
            constraint=models.CheckConstraint(condition=models.Q(('default_spread__gte', 0), ('default_spread__lte', Decimal('0.20000'))), name='product_spread_within_legal_maximum'),
        ),
        migrations.AddConstraint(
            model_name='loanproduct',
            constraint=models.CheckConstraint(condition=models.Q(('default_rate_cap__lte', Decimal('0.20000'))), name='product_cap_legal_maximum'),
        ),
        migrations.AddConstraint(
            model_name='loanproduct',
            constraint=models.CheckConstraint(condition=models.Q(('term_months__lte', 120)), name='product_term_at_most_ten_years'),
        ),
    ]
