"""The filters above the revolving fund's tables (django-filter): what a fund manager narrows a list by."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from funds import delinquency
from funds.models import Fund, Loan, LoanApplication, LoanProduct, Repayment, WriteOff


def _asset_classes() -> list[tuple[str, str]]:
    return [(rule.code, rule.korean) for rule in delinquency.rules()]


class LoanFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="enterprise__name", lookup_expr="icontains")
    fund = filters.ModelChoiceFilter(label=_("Fund"), queryset=Fund.objects.order_by("code"))
    state = filters.ChoiceFilter(label=_("State"), choices=Loan.State.choices)
    asset_class = filters.ChoiceFilter(label=_("Asset class"), choices=_asset_classes)
    overdue = filters.BooleanFilter(label=_("Past due only"), field_name="days_past_due", lookup_expr="gt",
                                    method="past_due", widget=forms.CheckboxInput)
    disbursed_from = filters.DateFilter(label=_("Disbursed from"), field_name="disbursed_on", lookup_expr="gte",
                                        widget=forms.DateInput(attrs={"type": "date"}))
    disbursed_to = filters.DateFilter(label=_("Disbursed until"), field_name="disbursed_on", lookup_expr="lte",
                                      widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Loan
        fields: list[str] = []

    def past_due(self, queryset, name, value):
        return queryset.filter(days_past_due__gt=0) if value else queryset


def _date_filter(label: Any, field_name: str, lookup_expr: str) -> filters.DateFilter:
    return filters.DateFilter(label=label, field_name=field_name, lookup_expr=lookup_expr,
                              widget=forms.DateInput(attrs={"type": "date"}))


class ApplicationFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="enterprise__name", lookup_expr="icontains")
    state = filters.ChoiceFilter(label=_("State"), choices=LoanApplication.State.choices)
    fund = filters.ModelChoiceFilter(label=_("Fund"), field_name="product__fund",
                                     queryset=Fund.objects.order_by("code"))
    product = filters.ModelChoiceFilter(label=_("Product"), queryset=LoanProduct.objects.order_by("fund_id", "name"))
    submitted_from = _date_filter(_("Submitted from"), "submitted_at__date", "gte")
    submitted_to = _date_filter(_("Submitted until"), "submitted_at__date", "lte")

    class Meta:
        model = LoanApplication
        fields: list[str] = []


class RepaymentFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="loan__enterprise__name", lookup_expr="icontains")
    fund = filters.ModelChoiceFilter(label=_("Fund"), field_name="loan__fund", queryset=Fund.objects.order_by("code"))
    loan = filters.NumberFilter(label=_("Loan number"), field_name="loan_id", min_value=1)
    value_from = _date_filter(_("Value date from"), "value_date", "gte")
    value_to = _date_filter(_("Value date until"), "value_date", "lte")
    reversed = filters.ChoiceFilter(label=_("Reversed"), method="reversed_only", empty_label=_("All"),
                                    choices=[("yes", _("Reversed only")), ("no", _("Not reversed"))])

    class Meta:
        model = Repayment
        fields: list[str] = []

    def reversed_only(self, queryset, name, value):
        return queryset.filter(reversed_at__isnull=value != "yes")


class WriteOffFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="loan__enterprise__name", lookup_expr="icontains")
    state = filters.ChoiceFilter(label=_("State"), choices=WriteOff.State.choices)
    fund = filters.ModelChoiceFilter(label=_("Fund"), field_name="loan__fund", queryset=Fund.objects.order_by("code"))

    class Meta:
        model = WriteOff
        fields: list[str] = []
