"""The filters above the revolving fund's tables (django-filter): what a fund manager narrows a list by."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from funds import delinquency
from funds.models import Fund, Loan


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
