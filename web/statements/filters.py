"""Filters of the statements' list and of the download log."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from statements.models import Statement


class StatementFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(label=_("Kind"), choices=Statement.Kind.choices)
    state = filters.ChoiceFilter(label=_("State"), choices=Statement.State.choices)
    subject_id = filters.NumberFilter(label=_("Subject number"), method="of_subject")

    class Meta:
        model = Statement
        fields: list[str] = []

    def of_subject(self, queryset, name, value):
        """The statements of one loan, enterprise, fund, repayment, subsidy run, program, fee bill or contest (by the
        kind chosen)."""
        kind = self.form.cleaned_data.get("kind")
        field = {"loan": "loan_id", "enterprise": "enterprise_id", "fund": "fund_id",
                 "receipt": "repayment_id", "subsidy_run": "subsidy_run_id",
                 "guarantee_program": "guarantee_program_id", "fee_receipt": "fee_bill_id",
                 "contest": "contest_id", "campaign_settlement": "campaign_id",
                 "pool_funder": "pool_funder_id", "bond_contract": "bond_contract_id",
                 "bond_investor": "bond_investment_id"}.get(kind or "")
        return queryset.filter(**{field: value}) if field else queryset
