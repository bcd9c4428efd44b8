"""A backer's own pledges (내 후원, ``/my/pledges/``): the list, newest first, each with its state and match; a pledge's
page with what the payment provider did for it, its matches, the cancel button until the campaign's deadline (with a
confirm step: ``pledge_cancel``) and its receipt (statement kind ``pledge_receipt``: asked for, then downloaded) once
it was charged. Only the backer's own pledges: anyone else's is 404, exactly like one that does not exist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crowdfunding.access import ACCESS
from crowdfunding.models import Campaign, Pledge, PledgePayment
from crowdfunding.selectors.funding_reports import was_charged
from crowdfunding.selectors.pledges import matches_of, pledges_visible_to
from crowdfunding.services import pledge_cancel
from statements.models import Statement
from statements.services import statements_visible_to
from web.common import menu
from web.common.pages import ActionPage, ObjectPage, Page

PState = Pledge.State
CANCELLABLE = (PState.RESERVED, PState.CHARGED)  # what the page offers to cancel (the service decides)


def my_pledges(user: Any) -> QuerySet[Pledge]:
    """The user's own pledges (a backer who is also an enterprise's member sees its own here, not its campaigns')."""
    return (pledges_visible_to(user).filter(backer=user)
            .select_related("campaign__enterprise", "campaign__contest", "reward").order_by("-created_at", "-pk"))


def may_cancel(pledge: Pledge, today: Any) -> bool:
    """Whether the page shows the cancel button: a live pledge of a live campaign until its last day."""
    campaign = pledge.campaign
    return pledge.state in CANCELLABLE and campaign.state == Campaign.State.LIVE and today <= campaign.ends_on


class BackerPage(Page):
    area = menu.BACKER
    access = ACCESS
    action = "pledge.read"
    section = "pledges"


class MyPledgeList(BackerPage):
    template_name = "web/crowdfunding/backer/pledges.html"
    title = _("My pledges")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = [(p, may_cancel(p, self.today)) for p in my_pledges(self.actor)]
        return context


class MyPledgeObject(ObjectPage, BackerPage):
    context_object_name = "pledge"

    def visible(self) -> QuerySet[Pledge]:
        return my_pledges(self.actor)


class MyPledgePage(MyPledgeObject):
    template_name = "web/crowdfunding/backer/pledge.html"
    buttons = ("pledge.cancel",)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pledge = self.get_object()
        assert isinstance(pledge, Pledge)
        receipts = (statements_visible_to(self.actor).filter(kind=Statement.Kind.PLEDGE_RECEIPT, pledge=pledge)
                    if was_charged(pledge) else None)
        context = super().get_context_data(**kwargs)
        context.update(
            title=gettext("Pledge to %(title)s") % {"title": pledge.campaign.title},
            matches=matches_of(pledge), may_cancel=may_cancel(pledge, self.today),
            payments=PledgePayment.objects.filter(pledge=pledge).order_by("created_at", "pk"),
            receipts=receipts, receipt_kind=Statement.Kind.PLEDGE_RECEIPT,
            receipt_ready=receipts is not None and any(r.state == Statement.State.READY for r in receipts))
        return context


class ConfirmForm(forms.Form):
    """Nothing to fill in: the page asks once more before the pledge is cancelled."""


class MyPledgeCancel(MyPledgeObject, ActionPage):
    """Cancel the pledge before the deadline (a reservation released; a charged pledge refunded), after a confirm
    step; its match goes back to the pool."""

    action = "pledge.cancel"
    form_class = ConfirmForm
    submit_label = _("Cancel the pledge")
    danger = True

    @property
    def intro(self) -> str:
        pledge = self.get_object()
        assert isinstance(pledge, Pledge)
        if pledge.state == PState.CHARGED:
            return gettext("Your card was charged for this pledge; it is refunded to the card. Any matched money "
                           "goes back to its pool. This cannot be undone.")
        return gettext("Nothing was charged yet; the reservation on your card is removed. Any matched money goes "
                       "back to its pool. This cannot be undone.")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Cancel your pledge to %(title)s?") % {
            "title": self.get_object().campaign.title}  # type: ignore[attr-defined]
        return context

    def perform(self, form: forms.Form) -> Pledge:
        return pledge_cancel(pledge_id=self.get_object().pk, actor=self.actor, on_date=self.today)

    def success_url(self) -> str:
        return reverse("web:my-pledge", args=[self.get_object().pk])

    def success_message(self, result: Any) -> str:
        return (gettext("The pledge was refunded.") if result.state == PState.REFUNDED
                else gettext("The pledge was cancelled."))
