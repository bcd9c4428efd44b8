"""Loan applications in the console: the list, each application's page, and the three judgements on it, each an
``ActionPage`` that calls one service: review (recommend or decline), approve, reject. Four eyes are the services'
rule; the pages only say so before anyone tries (the reviewer sees a note, not an approve button)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.selectors import audit_events
from funds import selectors, services
from funds.access import ACCESS
from funds.actions import APPLICATION_APPROVE, APPLICATION_REJECT
from funds.models import LoanApplication
from web.common.forms import ReasonForm, RequiredReasonForm
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage

from . import forms as f
from .filters import ApplicationFilter
from .links import application_url
from .tables import ApplicationTable

State = LoanApplication.State
OBJECT_TYPE = "funds.loanapplication"  # the audit trail's label of an application (its model's label_lower)


class ApplicationList(ListPage):
    access, action = ACCESS, "application.read"
    title = _("Loan applications")
    intro = _("Submitted applications are reviewed by one fund manager and approved by another (four eyes); above "
              "an amount tier, by more.")
    section = "applications"
    table_class = ApplicationTable
    filterset_class = ApplicationFilter
    export_name = "applications"

    def rows(self) -> QuerySet[LoanApplication]:
        return selectors.applications_visible_to(self.request.user).select_related("product__fund")


class ApplicationMixin:
    access = ACCESS
    section = "applications"
    context_object_name = "application"
    request: Any

    def visible(self) -> QuerySet[LoanApplication]:
        return selectors.applications_visible_to(self.request.user).select_related(
            "product__fund", "reviewed_by", "created_by")


def four_eyes(application: LoanApplication, user: Any) -> dict[str, bool]:
    """What the page says about the user and this application: the reviewer may not approve or reject it; a
    manager who already approved it waits for another."""
    approvers = {approval.approver_id for approval in application.approvals.all()}
    return {
        "is_reviewer": application.reviewed_by_id == getattr(user, "pk", None),
        "has_approved": getattr(user, "pk", None) in approvers,
    }


class ApplicationPage(ApplicationMixin, ObjectPage):
    """An application: who applies for what, its state, who reviewed and decided it and why, the approvals given so
    far against those required, the schedule a loan of it would have, and its audit trail."""

    template_name = "web/funds/application.html"
    action = "application.read"
    buttons = ("application.review", "application.approve", "application.reject", "loan.read", "fund.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        application: LoanApplication = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Application A%(id)s · %(enterprise)s") % {
            "id": application.pk, "enterprise": application.enterprise.name}
        events = list(audit_events(object_type=OBJECT_TYPE, object_id=str(application.pk))[:50])
        context["events"] = events
        context["decision_event"] = next(
            (e for e in events if e.action in (APPLICATION_APPROVE.name, APPLICATION_REJECT.name)), None)
        context["approvals"] = list(application.approvals.all())
        context["loan"] = getattr(application, "loan", None) if application.state == State.APPROVED else None
        context["quote"] = self._quote(application)
        context.update(four_eyes(application, self.request.user))
        return context

    def _quote(self, application: LoanApplication) -> Any:
        """The schedule a loan of this application would have if paid out today (until it is decided)."""
        if application.state not in (State.DRAFT, State.SUBMITTED, State.RECOMMENDED):
            return None
        try:
            return services.product_quote(product_id=application.product_id, principal=application.amount.amount,
                                          disbursed_on=self.today, today=self.today)
        except DomainError as exc:
            return {"error": exc.message}


class ApplicationAction(ApplicationMixin, ActionPage):
    template_name = "web/funds/application_action.html"
    decides: bool = False  # approve or reject: four eyes keep the reviewer (and an approver, from approving again) out

    def success_url(self) -> str:
        return application_url(self.get_object())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        application: LoanApplication = self.get_object()  # type: ignore[assignment]
        context["approvals"] = list(application.approvals.all())
        eyes = four_eyes(application, self.request.user)
        context.update(eyes)
        # The form is not offered to whom the service would refuse (a forged POST still gets its refusal).
        context["blocked"] = self.decides and application.state == State.RECOMMENDED and (
            eyes["is_reviewer"] or (eyes["has_approved"] and self.action == "application.approve"))
        return context


class ApplicationReview(ApplicationAction):
    action = "application.review"
    title = _("Review the application")
    intro = _("Recommend the application to another fund manager for approval, or decline it. Your opinion is "
              "kept in the audit trail; whoever recommends may not approve.")
    submit_label = _("Record the review")
    form_class = f.ReviewForm

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.application_review(actor=self.actor, application_id=self.get_object().pk,
                                           recommend=data["decision"] == "recommend", reason=data["reason"])

    def success_message(self, result: Any) -> str:
        if result.state == State.RECOMMENDED:
            return gettext("Recommended; another fund manager must approve it.")
        return gettext("The application was declined.")


class ApplicationApprove(ApplicationAction):
    action = "application.approve"
    title = _("Approve the application")
    intro = _("With the approvals its amount requires, the application is approved and its loan is created, "
              "waiting to be disbursed.")
    submit_label = _("Approve")
    form_class = ReasonForm
    decides = True

    def perform(self, form: forms.Form) -> Any:
        return services.application_approve(actor=self.actor, application_id=self.get_object().pk,
                                            reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        if result.state == State.APPROVED:
            return gettext("Approved: loan L%(id)s was created and waits to be disbursed.") % {"id": result.loan.pk}
        return gettext("Your approval was recorded; %(given)s of %(required)s approvals given.") % {
            "given": result.approvals.count(), "required": result.approvals_required}


class ApplicationReject(ApplicationAction):
    action = "application.reject"
    title = _("Reject the application")
    intro = _("The application is closed as rejected (반려); the enterprise sees the reason.")
    submit_label = _("Reject")
    danger = True
    form_class = RequiredReasonForm
    decides = True

    def perform(self, form: forms.Form) -> Any:
        return services.application_reject(actor=self.actor, application_id=self.get_object().pk,
                                           reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("The application was rejected.")
