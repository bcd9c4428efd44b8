"""The revolving fund's tables: what each column shows on screen and what it holds in a download."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from funds.models import Installment, Loan, LoanTransaction
from web.common.tables import DateColumn, LinkColumn, PercentColumn, StateColumn, Table, WonColumn

from .links import loan_url


class LoanTable(Table):
    id = LinkColumn(verbose_name=_("Loan"), url=loan_url, text=lambda pk: f"L{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    principal = WonColumn(verbose_name=_("Principal"), order_by=("principal",))
    outstanding = WonColumn(verbose_name=_("Outstanding principal"), accessor="principal_account__balance",
                            order_by=("principal_account__balance",))
    annual_rate = PercentColumn(verbose_name=_("Rate"))
    state = StateColumn(verbose_name=_("State"))
    disbursed_on = DateColumn(verbose_name=_("Disbursed on"))
    maturity_on = DateColumn(verbose_name=_("Matures on"))
    days_past_due = tables.Column(verbose_name=_("Days past due"), attrs={"td": {"class": "num"}})
    asset_class = tables.Column(verbose_name=_("Asset class"))

    class Meta(Table.Meta):
        model = Loan
        fields = ("id", "enterprise", "principal", "outstanding", "annual_rate", "state", "disbursed_on",
                  "maturity_on", "days_past_due", "asset_class")
        order_by = ("-id",)


class ScheduleTable(Table):
    number = tables.Column(verbose_name=_("No."), attrs={"td": {"class": "num"}})
    due_on = DateColumn(verbose_name=_("Due on"))
    principal_due = WonColumn(verbose_name=_("Principal due"))
    interest_due = WonColumn(verbose_name=_("Interest due"))
    principal_paid = WonColumn(verbose_name=_("Principal paid"))
    interest_paid = WonColumn(verbose_name=_("Interest paid"))
    left = WonColumn(verbose_name=_("Still due"))  # annotated by the page: due - paid

    class Meta(Table.Meta):
        model = Installment
        fields = ("number", "due_on", "principal_due", "interest_due", "principal_paid", "interest_paid", "left")
        orderable = False


class TransactionTable(Table):
    value_date = DateColumn(verbose_name=_("Value date"))
    kind = StateColumn(verbose_name=_("Kind"))
    amount = WonColumn(verbose_name=_("Amount"))
    principal_change = WonColumn(verbose_name=_("Principal change"))
    interest_change = WonColumn(verbose_name=_("Interest receivable change"))
    default_interest_change = WonColumn(verbose_name=_("Default interest change"))
    reversed = tables.BooleanColumn(verbose_name=_("Reversed"), yesno=(_("reversed"), ""))
    memo = tables.Column(verbose_name=_("Memo"), accessor="journal__memo")

    class Meta(Table.Meta):
        model = LoanTransaction
        fields = ("value_date", "kind", "amount", "principal_change", "interest_change", "default_interest_change",
                  "reversed", "memo")
        orderable = False
