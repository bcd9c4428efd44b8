"""The revolving fund's tables: what each column shows on screen and what it holds in a download."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from funds import delinquency, selectors
from funds.models import Fund, Installment, Loan, LoanApplication, LoanTransaction, Repayment, WriteOff
from web.common.tables import DateColumn, LinkColumn, PercentColumn, StateColumn, Table, WonColumn

from .links import application_url, loan_url


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.class_names = {rule.code: rule.korean for rule in delinquency.rules()}  # 정상, 요주의, 고정, ...

    def render_asset_class(self, value: str) -> str:
        return self.class_names.get(value, value)

    def value_asset_class(self, value: str) -> str:
        return self.class_names.get(value, value)


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


# --- the console's tables: funds, applications, repayments, write-offs ---------------------------------------------


def _fund_url(fund: Any) -> str:
    return reverse("web:fund", args=[fund.pk])


class TurnoverColumn(PercentColumn):
    """A fund's turnover (disbursed in total / capital), from the figures its row is annotated with."""

    def render(self, value: Any, record: Any) -> str:  # type: ignore[override]
        return super().render(selectors.fund_turnover(record.disbursed_sum, record.capital_total))

    def value(self, value: Any, record: Any) -> Any:  # type: ignore[override]
        return selectors.fund_turnover(record.disbursed_sum, record.capital_total)


class FundTable(Table):
    code = LinkColumn(verbose_name=_("Code"), url=_fund_url)
    name = tables.Column(verbose_name=_("Name"))
    operator = tables.Column(verbose_name=_("Operator"), accessor="operator__name", order_by=("operator__name",))
    capital_total = WonColumn(verbose_name=_("Capital"))
    cash_balance = WonColumn(verbose_name=_("Cash"))
    outstanding_total = WonColumn(verbose_name=_("Outstanding principal"))
    turnover = TurnoverColumn(verbose_name=_("Turnover"), accessor="disbursed_sum", orderable=False)

    class Meta(Table.Meta):
        model = Fund
        fields = ("code", "name", "operator", "capital_total", "cash_balance", "outstanding_total", "turnover")
        order_by = ("code",)


class ApprovalsColumn(tables.Column):
    """Approvals given so far / required, e.g. 1 / 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("empty_values", ())
        super().__init__(*args, **kwargs)

    def render(self, record: Any) -> str:
        return f"{len(record.approvals.all())} / {record.approvals_required}"

    def value(self, record: Any) -> str:
        return self.render(record)


class ApplicationTable(Table):
    id = LinkColumn(verbose_name=_("Application"), url=application_url, text=lambda pk: f"A{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    fund = tables.Column(verbose_name=_("Fund"), accessor="product__fund__name", order_by=("product__fund__name",))
    product = tables.Column(verbose_name=_("Product"), accessor="product__name", order_by=("product__name",))
    amount = WonColumn(verbose_name=_("Amount requested"), order_by=("amount",))
    state = StateColumn(verbose_name=_("State"))
    submitted_at = DateColumn(verbose_name=_("Submitted on"))
    approvals = ApprovalsColumn(verbose_name=_("Approvals"))

    class Meta(Table.Meta):
        model = LoanApplication
        fields = ("id", "enterprise", "fund", "product", "amount", "state", "submitted_at", "approvals")
        order_by = ("-id",)


class RepaymentTable(Table):
    loan = LinkColumn(verbose_name=_("Loan"), accessor="loan_id", url=lambda r: loan_url(r.loan),
                      text=lambda pk: f"L{pk}", order_by=("loan_id",))
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="loan__enterprise__name",
                               order_by=("loan__enterprise__name",))
    value_date = DateColumn(verbose_name=_("Value date"))
    amount = WonColumn(verbose_name=_("Amount"), order_by=("amount",))
    created_by = tables.Column(verbose_name=_("Recorded by"), accessor="created_by__username",
                               order_by=("created_by__username",))
    reversed_at = DateColumn(verbose_name=_("Reversed on"))
    reversal_reason = tables.Column(verbose_name=_("Reversal reason"), orderable=False)

    class Meta(Table.Meta):
        model = Repayment
        fields = ("loan", "enterprise", "value_date", "amount", "created_by", "reversed_at", "reversal_reason")
        order_by = ("-value_date",)


class WrittenOffColumn(WonColumn):
    """What an approved write-off took off the books (principal, interest, default interest); blank until then."""

    def render(self, value: Any, record: Any) -> str:  # type: ignore[override]
        return super().render(record.total) if record.state == WriteOff.State.APPROVED else ""

    def value(self, value: Any, record: Any) -> Any:  # type: ignore[override]
        return super().value(record.total) if record.state == WriteOff.State.APPROVED else ""


class WriteOffTable(Table):
    id = tables.Column(verbose_name=_("Write-off"), attrs={"td": {"class": "num"}})
    loan = LinkColumn(verbose_name=_("Loan"), accessor="loan_id", url=lambda w: loan_url(w.loan),
                      text=lambda pk: f"L{pk}", order_by=("loan_id",))
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="loan__enterprise__name",
                               order_by=("loan__enterprise__name",))
    state = StateColumn(verbose_name=_("State"))
    requested_by = tables.Column(verbose_name=_("Asked by"), accessor="requested_by__username",
                                 order_by=("requested_by__username",))
    requested_at = DateColumn(verbose_name=_("Asked on"))
    reason = tables.Column(verbose_name=_("Reason"), orderable=False)
    decided_by = tables.Column(verbose_name=_("Decided by"), accessor="decided_by__username",
                               order_by=("decided_by__username",))
    decided_at = DateColumn(verbose_name=_("Decided on"))
    total = WrittenOffColumn(verbose_name=_("Written off"), orderable=False, empty_values=())
    decide = tables.TemplateColumn(template_name="web/funds/write_off_decide_cell.html",
                                   verbose_name=_("Decision"), orderable=False, exclude_from_export=True)

    class Meta(Table.Meta):
        model = WriteOff
        fields = ("id", "loan", "enterprise", "state", "requested_by", "requested_at", "reason", "decided_by",
                  "decided_at", "total", "decide")
        order_by = ("-id",)
