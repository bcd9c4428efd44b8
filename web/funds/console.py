"""Servicing in the console across loans: every repayment, and the write-offs (상각) with their decision by a
second fund manager. The write-off's four eyes are the service's rule; the pages show the note to the manager who
asked, instead of buttons."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from funds import selectors, services
from funds.access import ACCESS
from funds.models import Repayment, WriteOff
from web.common.forms import ReasonForm, RequiredReasonForm
from web.common.pages import ActionPage
from web.common.tables import ListPage

from .filters import RepaymentFilter, WriteOffFilter
from .links import loan_url
from .tables import RepaymentTable, WriteOffTable


class RepaymentList(ListPage):
    access, action = ACCESS, "repayment.read"
    title = _("Repayments")
    intro = _("Money received on every loan, by value date; a reversed repayment (a transfer that bounced) stays "
              "listed with its reason.")
    section = "repayments"
    table_class = RepaymentTable
    filterset_class = RepaymentFilter
    export_name = "repayments"

    def rows(self) -> QuerySet[Repayment]:
        return selectors.repayments_visible_to(self.request.user)


class WriteOffList(ListPage):
    access, action = ACCESS, "write_off.read"
    buttons = ("write_off.approve", "write_off.reject")
    title = _("Write-offs")
    intro = _("A fund manager asks to write off a loan classed 추정손실 (estimated loss); another manager approves or "
              "rejects it (four eyes).")
    section = "write-offs"
    table_class = WriteOffTable
    filterset_class = WriteOffFilter
    export_name = "write-offs"

    def rows(self) -> QuerySet[WriteOff]:
        return selectors.write_offs_visible_to(self.request.user)


class WriteOffDecision(ActionPage):
    access = ACCESS
    section = "write-offs"
    context_object_name = "write_off"
    template_name = "web/funds/write_off_action.html"

    def visible(self) -> QuerySet[WriteOff]:
        return selectors.write_offs_visible_to(self.request.user)

    def success_url(self) -> str:
        return loan_url(self.get_object().loan)  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        write_off: WriteOff = self.get_object()  # type: ignore[assignment]
        context["is_requester"] = context["blocked"] = write_off.requested_by_id == self.request.user.pk
        context["loan"] = write_off.loan
        return context


class WriteOffApprove(WriteOffDecision):
    action = "write_off.approve"
    title = _("Approve the write-off")
    intro = _("The loan is brought up to yesterday, its principal, interest and default interest receivable go to "
              "the write-off expense, and it is closed as written off. This cannot be undone; recoveries are "
              "recorded afterwards.")
    submit_label = _("Approve the write-off")
    danger = True
    form_class = ReasonForm

    def perform(self, form: forms.Form) -> Any:
        return services.write_off_approve(actor=self.actor, write_off_id=self.get_object().pk, today=self.today,
                                          reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("The loan was written off on %(date)s.") % {"date": result.written_off_on.isoformat()}


class WriteOffReject(WriteOffDecision):
    action = "write_off.reject"
    title = _("Reject the write-off")
    intro = _("The loan stays on the books as it is.")
    submit_label = _("Reject the write-off")
    form_class = RequiredReasonForm

    def perform(self, form: forms.Form) -> Any:
        return services.write_off_reject(actor=self.actor, write_off_id=self.get_object().pk,
                                         reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("The write-off was rejected.")
