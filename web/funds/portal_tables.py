"""The enterprise portal's tables and filters for the revolving fund: an enterprise's loan applications."""

from __future__ import annotations

import django_filters as filters
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from funds.models import LoanApplication
from web.common.tables import DateColumn, LinkColumn, StateColumn, Table, WonColumn

from .links import application_url


def _my_application_url(application: LoanApplication) -> str:
    return application_url(application, "my")


class MyApplicationTable(Table):
    id = LinkColumn(verbose_name=_("Application"), url=_my_application_url, text=lambda pk: f"A{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    product = tables.Column(verbose_name=_("Loan product"), accessor="product__name", order_by=("product__name",))
    amount = WonColumn(verbose_name=_("Amount asked for"), order_by=("amount",))
    state = StateColumn(verbose_name=_("State"))
    created_at = DateColumn(verbose_name=_("Drafted at"))
    submitted_at = DateColumn(verbose_name=_("Submitted at"))
    decided_at = DateColumn(verbose_name=_("Decided at"))

    class Meta(Table.Meta):
        model = LoanApplication
        fields = ("id", "enterprise", "product", "amount", "state", "created_at", "submitted_at", "decided_at")
        order_by = ("-created_at",)


class MyApplicationFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=LoanApplication.State.choices)

    class Meta:
        model = LoanApplication
        fields: list[str] = []
