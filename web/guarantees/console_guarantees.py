"""Guarantees (보증) in the console: the list, each guarantee's page (its terms, the bank loan as the bank reported it,
what the program stands behind now, the reported balances, the loan's expected schedule, its claims and the audit
trail, its fee bills) and its one console action: cancelling an approved guarantee the bank never lent on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.selectors import audit_events
from guarantees import selectors, services
from guarantees.access import ACCESS
from guarantees.models import Guarantee
from web.common.forms import RequiredReasonForm
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage

from .console_filters import GuaranteeFilter
from .console_tables import GuaranteeTable
from .links import guarantee_url

OBJECT_TYPE = "guarantees.guarantee"  # the audit trail's label of a guarantee (label_lower)


class GuaranteeList(ListPage):
    access, action = ACCESS, "guarantee.read"
    title = _("Guarantees")
    intro = _("Every guarantee on a bank loan: approved (waiting for the bank to lend), active, repaid, defaulted "
              "(사고), claimed (대위변제), recovering (구상), closed or written off. The guaranteed amount follows the "
              "loan's balance as the bank reports it.")
    section = "guarantees"
    table_class = GuaranteeTable
    filterset_class = GuaranteeFilter
    export_name = "guarantees"

    def rows(self) -> QuerySet[Guarantee]:
        return selectors.guarantees_visible_to(self.request.user)


class GuaranteeMixin:
    access = ACCESS
    section = "guarantees"
    context_object_name = "guarantee"
    request: Any

    def visible(self) -> QuerySet[Guarantee]:
        return selectors.guarantees_visible_to(self.request.user).select_related("application", "approved_by",
                                                                                 "executed_by")


class GuaranteePage(GuaranteeMixin, ObjectPage):
    """Everything about a guarantee: its terms, the bank loan, guaranteed now, the balances reported, the expected
    schedule of the loan, its fee bills (보증료: each year's fee, the city's and the enterprise's shares, what each
    paid and was refunded, late fees), its claims and its audit trail."""

    template_name = "web/guarantees/console/guarantee.html"
    action = "guarantee.read"
    buttons = ("guarantee.cancel", "claim.read", "application.read", "program.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        guarantee: Guarantee = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context.update(
            title=gettext("Guarantee G%(id)s · %(enterprise)s") % {"id": guarantee.pk,
                                                                   "enterprise": guarantee.enterprise.name},
            balances=list(selectors.balances_of(guarantee).select_related("reported_by")),
            schedule=selectors.expected_schedule(guarantee),
            fee_bills=list(selectors.fee_bills_of(guarantee)),
            claims=list(guarantee.claims.select_related("prepared_by", "approved_by").order_by("-id")),
            events=list(audit_events(object_type=OBJECT_TYPE, object_id=str(guarantee.pk))[:50]),
        )
        return context


class GuaranteeCancel(GuaranteeMixin, ActionPage):
    action = "guarantee.cancel"
    title = _("Cancel the guarantee")
    intro = _("For an approved guarantee the bank never lent on: it stands behind nothing any more and its share of "
              "the program's capacity is released. This cannot be undone.")
    submit_label = _("Cancel the guarantee")
    danger = True
    form_class = RequiredReasonForm
    template_name = "web/guarantees/console/guarantee_action.html"

    def perform(self, form: forms.Form) -> Any:
        return services.guarantee_cancel(actor=self.actor, guarantee_id=self.get_object().pk,
                                         reason=form.cleaned_data["reason"], today=self.today)

    def success_url(self) -> str:
        return guarantee_url(self.get_object())

    def success_message(self, result: Any) -> str:
        return gettext("The guarantee was cancelled; its capacity was released.")
