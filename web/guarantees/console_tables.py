"""The console's tables of the special guarantees: applications, guarantees, subsidy runs and their lines, claims.
What each column shows on screen and what it holds in a download (``web.common.tables``)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from guarantees.models import Claim, Guarantee, GuaranteeApplication, SubsidyLine, SubsidyRun
from web.common.tables import DateColumn, LinkColumn, PercentColumn, StateColumn, Table, WonColumn

from .links import application_url, claim_url, guarantee_url, program_url, subsidy_run_url


def _num(**kwargs: Any) -> dict[str, Any]:
    return {"attrs": {"td": {"class": "num"}, "th": {"class": "num"}}, **kwargs}


class CountColumn(tables.Column):
    """A whole number read with thousands separators (900,000,000); the number itself in a download."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**_num(), **kwargs})

    def render(self, value: Any) -> str:
        return f"{int(value):,}"

    def value(self, value: Any) -> Any:
        return int(value)


class ApplicationTable(Table):
    id = LinkColumn(verbose_name=_("Application"), url=application_url, text=lambda pk: f"GA{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    program = tables.Column(verbose_name=_("Program"), accessor="program__name", order_by=("program__name",))
    bank = tables.Column(verbose_name=_("Bank"), accessor="bank__name", order_by=("bank__name",))
    amount = WonColumn(verbose_name=_("Loan amount requested"), order_by=("amount",))
    term_months = tables.Column(verbose_name=_("Term (months)"), **_num())
    state = StateColumn(verbose_name=_("State"))
    submitted_at = DateColumn(verbose_name=_("Submitted on"))
    recommended_by = tables.Column(verbose_name=_("Recommended by"), accessor="recommended_by__username",
                                   order_by=("recommended_by__username",))

    class Meta(Table.Meta):
        model = GuaranteeApplication
        fields = ("id", "enterprise", "program", "bank", "amount", "term_months", "state", "submitted_at",
                  "recommended_by")
        order_by = ("-id",)


class GuaranteeTable(Table):
    id = LinkColumn(verbose_name=_("Guarantee"), url=guarantee_url, text=lambda pk: f"G{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    program = tables.Column(verbose_name=_("Program"), accessor="program__name", order_by=("program__name",))
    bank = tables.Column(verbose_name=_("Bank"), accessor="bank__name", order_by=("bank__name",))
    approved_amount = WonColumn(verbose_name=_("Loan amount approved"), order_by=("approved_amount",))
    loan_amount = WonColumn(verbose_name=_("Loan amount"), order_by=("loan_amount",))
    balance = WonColumn(verbose_name=_("Loan balance"), order_by=("balance",))
    guaranteed = WonColumn(verbose_name=_("Guaranteed now"), order_by=("guaranteed",))
    loan_rate = PercentColumn(verbose_name=_("Loan rate"), places=3)
    start_on = DateColumn(verbose_name=_("Loan made on"))
    maturity_on = DateColumn(verbose_name=_("Matures on"))
    state = StateColumn(verbose_name=_("State"))

    class Meta(Table.Meta):
        model = Guarantee
        fields = ("id", "enterprise", "program", "bank", "approved_amount", "loan_amount", "balance", "guaranteed",
                  "loan_rate", "start_on", "maturity_on", "state")
        order_by = ("-id",)


class SubsidyRunTable(Table):
    id = LinkColumn(verbose_name=_("Run"), url=subsidy_run_url, text=lambda pk: f"SR{pk}")
    program = LinkColumn(verbose_name=_("Program"), accessor="program__name", order_by=("program__name",),
                         url=lambda run: program_url(run.program))
    period_start = DateColumn(verbose_name=_("First day"))
    period_end = DateColumn(verbose_name=_("Last day"))
    state = StateColumn(verbose_name=_("State"))
    line_count = tables.Column(verbose_name=_("Lines"), **_num())
    total = WonColumn(verbose_name=_("Total"), order_by=("total",))
    prepared_by = tables.Column(verbose_name=_("Prepared by"), accessor="prepared_by__username",
                                order_by=("prepared_by__username",), default=_("the system"))
    approved_by = tables.Column(verbose_name=_("Approved by"), accessor="approved_by__username",
                                order_by=("approved_by__username",))
    paid_on = DateColumn(verbose_name=_("Paid on"))

    class Meta(Table.Meta):
        model = SubsidyRun
        fields = ("id", "program", "period_start", "period_end", "state", "line_count", "total", "prepared_by",
                  "approved_by", "paid_on")
        order_by = ("-period_start",)


class SubsidyLineTable(Table):
    guarantee = LinkColumn(verbose_name=_("Guarantee"), accessor="guarantee_id", order_by=("guarantee_id",),
                           url=lambda line: guarantee_url(line.guarantee), text=lambda pk: f"G{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    bank = tables.Column(verbose_name=_("Bank"), accessor="bank__name", order_by=("bank__name",))
    bank_reference = tables.Column(verbose_name=_("Bank's loan number"), accessor="guarantee__bank_reference",
                                   orderable=False)
    days = tables.Column(verbose_name=_("Days counted"), **_num())
    won_days = CountColumn(verbose_name=_("Balance-days (잔액 적수, won x days)"))
    loan_rate = PercentColumn(verbose_name=_("Loan rate"), places=3)
    rate = PercentColumn(verbose_name=_("Rate used"), places=3)
    amount = WonColumn(verbose_name=_("Subsidy"), order_by=("amount",))

    class Meta(Table.Meta):
        model = SubsidyLine
        fields = ("guarantee", "enterprise", "bank", "bank_reference", "days", "won_days", "loan_rate", "rate",
                  "amount")
        order_by = ("bank", "enterprise")


class ClaimTable(Table):
    id = LinkColumn(verbose_name=_("Claim"), url=claim_url, text=lambda pk: f"C{pk}")
    guarantee = LinkColumn(verbose_name=_("Guarantee"), accessor="guarantee_id", order_by=("guarantee_id",),
                           url=lambda claim: guarantee_url(claim.guarantee), text=lambda pk: f"G{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="guarantee__enterprise__name",
                               order_by=("guarantee__enterprise__name",))
    bank = tables.Column(verbose_name=_("Bank"), accessor="guarantee__bank__name",
                         order_by=("guarantee__bank__name",))
    requested_on = DateColumn(verbose_name=_("Claimed on"))
    requested_principal = WonColumn(verbose_name=_("Principal claimed"), order_by=("requested_principal",))
    amount = WonColumn(verbose_name=_("Amount paid (대위변제금)"), order_by=("amount",))
    paid_on = DateColumn(verbose_name=_("Payment date"))
    state = StateColumn(verbose_name=_("State"))
    prepared_by = tables.Column(verbose_name=_("Prepared by"), accessor="prepared_by__username",
                                order_by=("prepared_by__username",))
    approved_by = tables.Column(verbose_name=_("Approved by"), accessor="approved_by__username",
                                order_by=("approved_by__username",))

    class Meta(Table.Meta):
        model = Claim
        fields = ("id", "guarantee", "enterprise", "bank", "requested_on", "requested_principal", "amount", "paid_on",
                  "state", "prepared_by", "approved_by")
        order_by = ("-id",)
