"""The bank desk's tables and filters: the bank's guarantees, its claims, the subsidy runs that pay it and their lines
(what each column shows on screen and holds in a download)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
import django_tables2 as tables
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from enterprises.roles import bank_of
from guarantees.models import Claim, Guarantee, GuaranteeProgram, SubsidyLine, SubsidyRun
from web.common.tables import DateColumn, LinkColumn, PercentColumn, StateColumn, Table, WonColumn

from .links import bank_guarantee_url, bank_subsidy_run_url


def _num() -> dict[str, dict[str, str]]:
    """A number's cell and heading, right-aligned."""
    return {"td": {"class": "num"}, "th": {"class": "num"}}

class BankGuaranteeTable(Table):
    id = LinkColumn(verbose_name=_("Guarantee"), url=bank_guarantee_url, text=lambda pk: f"G{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    program = tables.Column(verbose_name=_("Program"), accessor="program__name", order_by=("program__name",))
    state = StateColumn(verbose_name=_("State"))
    approved_amount = WonColumn(verbose_name=_("Loan amount approved"))
    loan_amount = WonColumn(verbose_name=_("Loan made"))
    loan_rate = PercentColumn(verbose_name=_("Loan rate"), places=3)
    start_on = DateColumn(verbose_name=_("Loan made on"))
    balance = WonColumn(verbose_name=_("Loan balance"))
    balance_on = DateColumn(verbose_name=_("Balance as of"))
    guaranteed = WonColumn(verbose_name=_("Guaranteed now"))
    maturity_on = DateColumn(verbose_name=_("Matures on"))
    bank_reference = tables.Column(verbose_name=_("Bank's loan number"))

    class Meta(Table.Meta):
        model = Guarantee
        fields = ("id", "enterprise", "program", "state", "approved_amount", "loan_amount", "loan_rate", "start_on",
                  "balance", "balance_on", "guaranteed", "maturity_on", "bank_reference")
        order_by = ("-id",)


def _partner_programs(request: Any) -> QuerySet[GuaranteeProgram]:
    """The programs the officer's bank is a partner of (the choices of the program filter)."""
    bank = bank_of(getattr(request, "user", None)) if request is not None else None
    if bank is None:
        return GuaranteeProgram.objects.none()
    return GuaranteeProgram.objects.filter(partner_banks=bank).order_by("-year", "code")


class BankGuaranteeFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="enterprise__name", lookup_expr="icontains")
    state = filters.ChoiceFilter(label=_("State"), choices=Guarantee.State.choices)
    program = filters.ModelChoiceFilter(label=_("Program"), queryset=_partner_programs)
    reference = filters.CharFilter(label=_("Bank's loan number"), field_name="bank_reference",
                                   lookup_expr="icontains")

    class Meta:
        model = Guarantee
        fields: list[str] = []


def _claim_guarantee_url(claim: Claim) -> str:
    return bank_guarantee_url(claim.guarantee)


class BankClaimTable(Table):
    id = tables.Column(verbose_name=_("Claim"), attrs=_num())
    guarantee = LinkColumn(verbose_name=_("Guarantee"), accessor="guarantee_id", url=_claim_guarantee_url,
                           text=lambda pk: f"G{pk}", order_by=("guarantee_id",))
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="guarantee__enterprise__name",
                               order_by=("guarantee__enterprise__name",))
    state = StateColumn(verbose_name=_("State"))
    requested_on = DateColumn(verbose_name=_("Claimed on"))
    requested_principal = WonColumn(verbose_name=_("Principal claimed"))
    requested_interest = WonColumn(verbose_name=_("Interest claimed"))
    requested_costs = WonColumn(verbose_name=_("Costs claimed"))
    paid_on = DateColumn(verbose_name=_("Payment date"))
    amount = WonColumn(verbose_name=_("Amount paid (대위변제금)"))

    class Meta(Table.Meta):
        model = Claim
        fields = ("id", "guarantee", "enterprise", "state", "requested_on", "requested_principal",
                  "requested_interest", "requested_costs", "paid_on", "amount")
        order_by = ("-id",)

    def render_id(self, value: Any) -> str:
        return f"C{value}"

    def value_id(self, value: Any) -> str:
        return f"C{value}"


class BankClaimFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=Claim.State.choices)

    class Meta:
        model = Claim
        fields: list[str] = []


class BankSubsidyRunTable(Table):
    """The runs with lines of the officer's bank, with that bank's part (annotated by the page)."""

    id = LinkColumn(verbose_name=_("Run"), url=bank_subsidy_run_url, text=lambda pk: f"S{pk}")
    period_start = DateColumn(verbose_name=_("First day"))
    period_end = DateColumn(verbose_name=_("Last day"))
    program = tables.Column(verbose_name=_("Program"), accessor="program__name", order_by=("program__name",))
    state = StateColumn(verbose_name=_("State"))
    bank_lines = tables.Column(verbose_name=_("Lines of your bank"), attrs=_num())
    bank_total = WonColumn(verbose_name=_("Total for your bank"))
    payee = tables.Column(verbose_name=_("Paid to"))
    paid_on = DateColumn(verbose_name=_("Paid on"))

    class Meta(Table.Meta):
        model = SubsidyRun
        fields = ("id", "period_start", "period_end", "program", "state", "bank_lines", "bank_total", "payee",
                  "paid_on")
        order_by = ("-period_start",)


class BankSubsidyRunFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=SubsidyRun.State.choices)
    program = filters.ModelChoiceFilter(label=_("Program"), queryset=_partner_programs)

    class Meta:
        model = SubsidyRun
        fields: list[str] = []


def _line_guarantee_url(line: SubsidyLine) -> str:
    return bank_guarantee_url(line.guarantee)


class BankSubsidyLineTable(Table):
    guarantee = LinkColumn(verbose_name=_("Guarantee"), accessor="guarantee_id", url=_line_guarantee_url,
                           text=lambda pk: f"G{pk}", order_by=("guarantee_id",))
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    reference = tables.Column(verbose_name=_("Bank's loan number"), accessor="guarantee__bank_reference",
                              order_by=("guarantee__bank_reference",))
    days = tables.Column(verbose_name=_("Days counted"), attrs=_num())
    won_days = tables.Column(verbose_name=_("Balance-days (잔액 적수)"), attrs=_num())
    loan_rate = PercentColumn(verbose_name=_("Loan rate"), places=3)
    rate = PercentColumn(verbose_name=_("Rate used"), places=3)
    amount = WonColumn(verbose_name=_("Amount"))

    class Meta(Table.Meta):
        model = SubsidyLine
        fields = ("guarantee", "enterprise", "reference", "days", "won_days", "loan_rate", "rate", "amount")
        order_by = ("enterprise",)

    def render_won_days(self, value: Any) -> str:
        return f"{int(value):,}"

    def value_won_days(self, value: Any) -> int:
        return int(value)
