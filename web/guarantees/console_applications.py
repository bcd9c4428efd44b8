"""Guarantee applications (보증 신청) in the console: the list, each application's page (its terms, its enterprise and
what the enterprise already owes across the instruments, the audit trail) and the three judgements on it, each an
``ActionPage`` that calls one service: recommend or decline (추천 심사), approve, reject. Four eyes are the services'
rule (and the database's); the pages say so before anyone tries: the manager who recommended sees a note, not an
approve button."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.engines.capacity import guaranteed_share
from core.selectors import audit_events
from enterprises import exposure
from enterprises.validators import format_business_number
from guarantees import selectors, services
from guarantees.access import ACCESS
from guarantees.models import GuaranteeApplication
from web.common.forms import ReasonForm, RequiredReasonForm
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage

from . import console_forms as f
from .console_filters import ApplicationFilter
from .console_tables import ApplicationTable
from .links import application_url

State = GuaranteeApplication.State
OBJECT_TYPE = "guarantees.guaranteeapplication"  # the audit trail's label of an application (label_lower)


class ApplicationList(ListPage):
    access, action = ACCESS, "application.read"
    title = _("Guarantee applications")
    intro = _("Applications for a special guarantee (특례보증): one fund manager recommends (추천) or declines each "
              "submitted application, another approves or rejects it (four eyes).")
    section = "guarantee-applications"
    table_class = ApplicationTable
    filterset_class = ApplicationFilter
    export_name = "guarantee-applications"

    def rows(self) -> QuerySet[GuaranteeApplication]:
        return selectors.applications_visible_to(self.request.user).select_related("recommended_by")


class ApplicationMixin:
    access = ACCESS
    section = "guarantee-applications"
    context_object_name = "application"
    request: Any

    def visible(self) -> QuerySet[GuaranteeApplication]:
        return selectors.applications_visible_to(self.request.user).select_related(
            "recommended_by", "decided_by", "created_by")


def is_recommender(application: GuaranteeApplication, user: Any) -> bool:
    """Whether ``user`` recommended the application (and so may not decide it: four eyes)."""
    return application.recommended_by_id is not None and application.recommended_by_id == getattr(user, "pk", None)


class ApplicationPage(ApplicationMixin, ObjectPage):
    """An application: who applies for what, under which program and with which bank; the share the program would
    guarantee; what the enterprise already owes across the instruments against the program's per-firm limit; who
    recommended and decided it and why; the guarantee it made; its audit trail."""

    template_name = "web/guarantees/console/application.html"
    action = "application.read"
    buttons = ("application.recommend", "application.approve", "application.reject", "guarantee.read",
               "program.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        application: GuaranteeApplication = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Application GA%(id)s · %(enterprise)s") % {
            "id": application.pk, "enterprise": application.enterprise.name}
        share = guaranteed_share(application.amount.amount, application.program.guarantee_ratio)
        context.update(
            share=share,
            exposure=exposure.exposure_of(application.enterprise_id),
            business_number=format_business_number(application.enterprise.business_number),
            guarantee=getattr(application, "guarantee", None) if application.state == State.APPROVED else None,
            events=list(audit_events(object_type=OBJECT_TYPE, object_id=str(application.pk))[:50]),
            is_recommender=is_recommender(application, self.request.user),
        )
        return context


class ApplicationAction(ApplicationMixin, ActionPage):
    template_name = "web/guarantees/console/application_action.html"
    decides: bool = False  # approve or reject: four eyes keep the recommender out

    def success_url(self) -> str:
        return application_url(self.get_object())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        application: GuaranteeApplication = self.get_object()  # type: ignore[assignment]
        context["is_recommender"] = is_recommender(application, self.request.user)
        # The form is not offered to whom the service would refuse (a forged POST still gets its refusal).
        context["blocked"] = (self.decides and application.state == State.RECOMMENDED
                              and context["is_recommender"])
        return context


class ApplicationRecommend(ApplicationAction):
    action = "application.recommend"
    title = _("Review the application")
    intro = _("Recommend the application (추천) to another fund manager for approval, or decline it. Your opinion is "
              "kept in the audit trail; whoever recommends may not approve.")
    submit_label = _("Record the review")
    form_class = f.RecommendForm

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.application_recommend(actor=self.actor, application_id=self.get_object().pk,
                                              recommend=data["decision"] == "recommend", reason=data["reason"])

    def success_message(self, result: Any) -> str:
        if result.state == State.RECOMMENDED:
            return gettext("Recommended; another fund manager must approve it.")
        return gettext("The application was declined.")


class ApplicationApprove(ApplicationAction):
    action = "application.approve"
    title = _("Approve the application")
    intro = _("The guarantee is made: it holds the guaranteed share of the program's capacity until the bank lends. "
              "Refused when the program's capacity or the per-firm limit (across every instrument) would be "
              "exceeded.")
    submit_label = _("Approve")
    form_class = ReasonForm
    decides = True

    def perform(self, form: forms.Form) -> Any:
        return services.application_approve(actor=self.actor, application_id=self.get_object().pk,
                                            reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("Approved: guarantee G%(id)s was made and waits for the bank's loan.") % {
            "id": result.guarantee.pk}


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
