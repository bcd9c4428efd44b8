"""The enterprise portal's tables and filters for the special guarantees: an enterprise's guarantees and its
guarantee applications."""

from __future__ import annotations

import django_filters as filters
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from guarantees.models import Guarantee, GuaranteeApplication
from web.common.tables import DateColumn, LinkColumn, StateColumn, Table, WonColumn

from .links import my_guarantee_application_url, my_guarantee_url


def _num() -> dict[str, dict[str, str]]:
    """A number's cell and heading, right-aligned."""
    return {"td": {"class": "num"}, "th": {"class": "num"}}

class MyGuaranteeTable(Table):
    id = LinkColumn(verbose_name=_("Guarantee"), url=my_guarantee_url, text=lambda pk: f"G{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    program = tables.Column(verbose_name=_("Program"), accessor="program__name", order_by=("program__name",))
    bank = tables.Column(verbose_name=_("Bank"), accessor="bank__name", order_by=("bank__name",))
    state = StateColumn(verbose_name=_("State"))
    approved_amount = WonColumn(verbose_name=_("Loan amount approved"))
    guaranteed = WonColumn(verbose_name=_("Guaranteed now"))
    loan_amount = WonColumn(verbose_name=_("Loan made"))
    balance = WonColumn(verbose_name=_("Loan balance"))
    start_on = DateColumn(verbose_name=_("Loan made on"))
    maturity_on = DateColumn(verbose_name=_("Matures on"))

    class Meta(Table.Meta):
        model = Guarantee
        fields = ("id", "enterprise", "program", "bank", "state", "approved_amount", "guaranteed", "loan_amount",
                  "balance", "start_on", "maturity_on")
        order_by = ("-id",)


class MyGuaranteeFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=Guarantee.State.choices)

    class Meta:
        model = Guarantee
        fields: list[str] = []


class MyGuaranteeApplicationTable(Table):
    id = LinkColumn(verbose_name=_("Application"), url=my_guarantee_application_url, text=lambda pk: f"GA{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    program = tables.Column(verbose_name=_("Program"), accessor="program__name", order_by=("program__name",))
    bank = tables.Column(verbose_name=_("Bank"), accessor="bank__name", order_by=("bank__name",))
    amount = WonColumn(verbose_name=_("Loan amount asked for"), order_by=("amount",))
    term_months = tables.Column(verbose_name=_("Term in months"), attrs=_num())
    state = StateColumn(verbose_name=_("State"))
    created_at = DateColumn(verbose_name=_("Drafted at"))
    submitted_at = DateColumn(verbose_name=_("Submitted at"))
    decided_at = DateColumn(verbose_name=_("Decided at"))

    class Meta(Table.Meta):
        model = GuaranteeApplication
        fields = ("id", "enterprise", "program", "bank", "amount", "term_months", "state", "created_at",
                  "submitted_at", "decided_at")
        order_by = ("-created_at",)


class MyGuaranteeApplicationFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=GuaranteeApplication.State.choices)

    class Meta:
        model = GuaranteeApplication
        fields: list[str] = []
