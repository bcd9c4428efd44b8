"""The revolving fund's console pages: loans (list, page, schedule, transactions) and their actions. Each page names
the fund's access table and its action (``funds.access.ACCESS``), reads through the fund's selectors and calls one
service per action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import F, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.selectors import audit_events
from funds import delinquency, selectors, services
from funds.access import ACCESS
from funds.models import Installment, Loan, LoanTransaction, Repayment
from web.common.forms import RequiredReasonForm
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage

from . import forms as f
from .filters import LoanFilter
from .links import loan_url
from .tables import LoanTable, ScheduleTable, TransactionTable


class FundsPage:
    access = ACCESS


class LoanList(FundsPage, ListPage):
    action = "loan.read"
    title = _("Loans")
    section = "loans"
    table_class = LoanTable
    filterset_class = LoanFilter
    export_name = "loans"

    def rows(self) -> QuerySet[Loan]:
        return selectors.loans_visible_to(self.request.user)


class LoanMixin(FundsPage):
    """A page about one loan among those the user may see; ``area`` says whose page it is."""

    section = "loans"
    context_object_name = "loan"
    request: Any

    def visible(self) -> QuerySet[Loan]:
        return selectors.loans_visible_to(self.request.user).select_related("fund", "product", "application")


class LoanPage(LoanMixin, ObjectPage):
    """Everything about a loan: terms, balances, what is due next, the payoff today, delinquency, its schedule and
    transactions (loaded into tabs), repayments, write-offs, recoveries, statements and the audit trail."""

    template_name = "web/funds/loan.html"
    action = "loan.read"
    buttons = ("loan.disburse", "repayment.make", "repayment.reverse", "write_off.request", "recovery.record",
               "payoff.quote")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        loan: Loan = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context["title"] = f"L{loan.pk} · {loan.enterprise.name}"
        context["next_installment"] = (loan.installments.filter(due_on__gte=self.today)
                                       .order_by("number").first() if loan.state == Loan.State.ACTIVE else None)
        context["payoff"] = self._payoff(loan)
        repayments = list(loan.repayments.select_related("created_by", "reversed_by").order_by("-id")[:20])
        context["repayments"] = repayments
        # Only the loan's latest live repayment may be reversed (the service says so too).
        context["reversible_id"] = next((r.pk for r in repayments if r.reversed_at is None), None)
        context["write_offs"] = list(loan.write_offs.select_related("requested_by", "decided_by").order_by("-id"))
        context["recoveries"] = list(loan.recoveries.order_by("-received_on", "-id"))
        context["events"] = list(audit_events(object_type="funds.loan", object_id=str(loan.pk))[:30])
        context["area"] = self.area
        context["asset_class_name"] = {r.code: r.korean for r in delinquency.rules()}.get(loan.asset_class,
                                                                                          loan.asset_class)
        return context

    def _payoff(self, loan: Loan) -> Any:
        if loan.state != Loan.State.ACTIVE:
            return None
        try:
            return services.payoff_quote(loan_id=loan.pk, on=self.today, today=self.today)
        except DomainError as exc:
            return {"error": exc.message}


class ScheduleList(LoanMixin, ObjectPage, ListPage):
    """A loan's installments (상환 스케줄), with what is paid and what is still due."""

    action = "loan.read"
    table_class = ScheduleTable
    export_name = "schedule"
    table_pagination = {"per_page": 120}  # a schedule reads whole: 10 years of months

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Schedule of L%(id)s") % {"id": self.get_object().pk}
        return context

    def rows(self) -> QuerySet[Installment]:
        return self.get_object().installments.annotate(  # type: ignore[attr-defined]
            left=F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")
        ).order_by("number")


class TransactionList(LoanMixin, ObjectPage, ListPage):
    """Every journal that moved the loan's balances, oldest first."""

    action = "loan.read"
    table_class = TransactionTable
    export_name = "transactions"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Transactions of L%(id)s") % {"id": self.get_object().pk}
        return context

    def rows(self) -> QuerySet[LoanTransaction]:
        return self.get_object().transactions.select_related("journal").order_by(  # type: ignore[attr-defined]
            "value_date", "id")


class LoanAction(LoanMixin, ActionPage):
    def success_url(self) -> str:
        return loan_url(self.get_object(), self.area)


class Disburse(LoanAction):
    action = "loan.disburse"
    title = _("Disburse the loan")
    intro = _("Pays the principal out of the fund's cash and fixes the repayment schedule from the disbursement date.")
    submit_label = _("Disburse")
    form_class = f.DisburseForm

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.loan_disburse(actor=self.actor, loan_id=self.get_object().pk,
                                      on_date=data["disbursed_on"] or self.today, today=self.today,
                                      secured_amount=data["secured_amount"])

    def success_message(self, result: Any) -> str:
        return gettext("The loan was disbursed on %(date)s.") % {"date": result.disbursed_on.isoformat()}


class Repay(LoanAction):
    action = "repayment.make"
    title = _("Record a repayment")
    intro = _("Money received is applied in the legal order: default interest, overdue interest, overdue principal, "
              "interest due, principal due, then early repayment.")
    submit_label = _("Record the repayment")
    form_class = f.RepaymentForm

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.repayment_make(actor=self.actor, loan_id=self.get_object().pk, amount=data["amount"],
                                       idempotency_key=data["idempotency_key"], today=self.today,
                                       value_date=data["value_date"])

    def success_message(self, result: Any) -> str:
        repayment: Repayment = result[0]
        return gettext("Repayment of %(amount)s recorded (value date %(date)s).") % {
            "amount": f"₩{int(repayment.amount.amount):,}", "date": repayment.value_date.isoformat()}


class WriteOffRequest(LoanAction):
    action = "write_off.request"
    title = _("Ask for a write-off")
    intro = _("Another fund manager must approve it; until then nothing changes on the loan.")
    submit_label = _("Ask for the write-off")
    danger = True
    form_class = RequiredReasonForm

    def perform(self, form: forms.Form) -> Any:
        return services.write_off_request(actor=self.actor, loan_id=self.get_object().pk,
                                          reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("Write-off asked for; another fund manager must approve it.")


class Recover(LoanAction):
    action = "recovery.record"
    title = _("Record a recovery")
    intro = _("Money recovered after the write-off, posted as income; at most what was written off, in total.")
    submit_label = _("Record the recovery")
    form_class = f.RecoveryForm

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.recovery_record(actor=self.actor, loan_id=self.get_object().pk, amount=data["amount"],
                                        idempotency_key=data["idempotency_key"], today=self.today,
                                        received_on=data["received_on"], memo=data["memo"])

    def success_message(self, result: Any) -> str:
        return gettext("Recovery recorded.")


class RepaymentReverse(FundsPage, ActionPage):
    """Reverse a repayment that did not arrive (a bounced transfer): only the loan's latest live one."""

    action = "repayment.reverse"
    section = "loans"
    title = _("Reverse a repayment")
    intro = _("Its journal is reversed, the installments reopened and the days since closed again.")
    submit_label = _("Reverse the repayment")
    danger = True
    form_class = RequiredReasonForm

    def visible(self) -> QuerySet[Repayment]:
        loans = selectors.loans_visible_to(self.request.user)
        return Repayment.objects.filter(loan__in=loans.values("pk")).select_related("loan__enterprise")

    def perform(self, form: forms.Form) -> Any:
        return services.repayment_reverse(actor=self.actor, repayment_id=self.get_object().pk,
                                          reason=form.cleaned_data["reason"])

    def success_url(self) -> str:
        return loan_url(self.get_object().loan)  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        return gettext("The repayment was reversed.")
