"""Awards (시상) in the console: the list, preparing a selected entry's award (its amount within its tier, its
tranches), each award's page (its tranches, what the enterprise reported it spent with the evidence, what was
settled and returned) and the actions on it, each an ``ActionPage`` that calls one service: approve the award (four
eyes; the amount is reserved out of the joint fund, never more than it holds), cancel it, pay a tranche, settle a
reported tranche (보조금 정산), record the return of what was not spent (반환).

Four eyes are the service's rule (and the database's): the manager who prepared an award may not approve it. The
pages say so before anyone tries (a note instead of the approve button)."""

from __future__ import annotations

from decimal import Decimal
from itertools import chain
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.selectors import audit_events
from crowdfunding import selectors, services
from crowdfunding.access import ACCESS
from crowdfunding.models import (
    AdvanceList,
    AdvanceListLine,
    Award,
    AwardTranche,
    Contest,
    Entry,
    RoundKind,
    SpendingItem,
)
from web.common.format import won
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage

from . import console_forms as f
from .console_filters import AwardFilter
from .console_links import award_url, entry_url
from .console_tables import AwardTable

State = Award.State
TState = AwardTranche.State
ZERO = Decimal(0)


def awards_for(user: Any) -> QuerySet[Award]:
    return selectors.awards_visible_to(user)


class AwardList(ListPage):
    access, action = ACCESS, "award.read"
    title = _("Awards")
    intro = _("Awards to the finalists (시상), paid from the joint fund in tranches and settled against the "
              "enterprises' spending reports (보조금 정산). One fund manager prepares an award, another approves it.")
    section = "contest-awards"
    table_class = AwardTable
    filterset_class = AwardFilter
    export_name = "contest-awards"

    def rows(self) -> QuerySet[Award]:
        return awards_for(self.request.user).select_related("entry__enterprise", "contest", "tier", "prepared_by",
                                                           "approved_by")


class AwardPrepare(ActionPage):
    """Prepare the award of a selected entry (its final rank decides its tier)."""

    access, action = ACCESS, "award.prepare"
    section = "contest-awards"
    context_object_name = "entry"
    template_name = "web/crowdfunding/console/award_prepare.html"
    title = _("Prepare an award")
    intro = _("The entry's final rank on the confirmed final advance list decides its tier of the award table; the "
              "amount must lie within the tier's range. Another fund manager approves the award, which reserves it "
              "out of the joint fund.")
    submit_label = _("Prepare the award")
    form_class = f.AwardPrepareForm
    created: Award | None = None

    def visible(self) -> QuerySet[Entry]:
        return selectors.entries_visible_to(self.request.user).select_related("enterprise", "contest")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        entry: Entry = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context["tiers"] = list(entry.contest.award_tiers.all())
        context["line"] = (AdvanceListLine.objects.filter(
            entry=entry, advance_list__state=AdvanceList.State.CONFIRMED, advance_list__round__kind=RoundKind.FINAL)
            .first())
        return context

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        self.created = services.award_prepare(actor=self.actor, today=self.today, entry_id=self.get_object().pk,
                                              amount=data["amount"], tranches=data["tranches"] or None)
        return self.created

    def success_url(self) -> str:
        return award_url(self.created) if self.created is not None else entry_url(self.get_object())

    def success_message(self, result: Any) -> str:
        return gettext("Award A%(id)s of %(amount)s was prepared; another fund manager must approve it.") % {
            "id": result.pk, "amount": won(result.amount)}


def is_preparer(award: Award, user: Any) -> bool:
    return award.prepared_by_id == getattr(user, "pk", None)


class AwardMixin:
    access = ACCESS
    section = "contest-awards"
    context_object_name = "award"
    request: Any

    def visible(self) -> QuerySet[Award]:
        return awards_for(self.request.user).select_related("entry__enterprise", "contest", "tier", "prepared_by",
                                                           "approved_by")


def tranches_of(award: Award) -> list[AwardTranche]:
    """The award's tranches in order, each with its spending items, what they add up to, and whether it is the
    next to pay (the award approved, every tranche before it paid)."""
    tranches = list(award.tranches.select_related("paid_by", "settled_by").prefetch_related("spending"))
    previous_paid = True
    for tranche in tranches:
        items = list(tranche.spending.all())
        tranche.items = items  # type: ignore[attr-defined]
        tranche.reported_total = sum((item.amount.amount for item in items), ZERO)  # type: ignore[attr-defined]
        tranche.payable = (award.state == State.APPROVED and tranche.state == TState.PLANNED  # type: ignore
                           and previous_paid)
        previous_paid = tranche.state != TState.PLANNED
    return tranches


def trail(award: Award, tranches: list[AwardTranche]) -> list[Any]:
    """The award's audit events with those of its tranches, newest first."""
    events = [audit_events(object_type="crowdfunding.award", object_id=str(award.pk))[:30]]
    if tranches:
        events.append(audit_events(object_type="crowdfunding.awardtranche")
                      .filter(object_id__in=[str(t.pk) for t in tranches])[:50])
    return sorted(chain.from_iterable(events), key=lambda e: (e.occurred_at, e.pk), reverse=True)


class AwardPage(AwardMixin, ObjectPage):
    """An award: its entry, tier and rank, amount and what was paid; who prepared and approved it; its tranches,
    each with the spending reported (and its evidence), what was settled and what came back; the audit trail."""

    template_name = "web/crowdfunding/console/award.html"
    action = "award.read"
    buttons = ("award.approve", "award.cancel", "tranche.pay", "tranche.settle", "tranche.return", "entry.read",
               "contest.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        award: Award = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        tranches = tranches_of(award)
        context.update(
            title=gettext("Award A%(id)s · %(enterprise)s") % {"id": award.pk,
                                                              "enterprise": award.entry.enterprise.name},
            tranches=tranches,
            figures=selectors.award_figures(award),
            is_preparer=is_preparer(award, self.request.user),
            events=trail(award, tranches),
        )
        return context


class AwardAction(AwardMixin, ActionPage):
    template_name = "web/crowdfunding/console/award_action.html"

    def success_url(self) -> str:
        return award_url(self.get_object())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        award: Award = self.get_object()  # type: ignore[assignment]
        context["is_preparer"] = is_preparer(award, self.request.user)
        context["fund"] = selectors.contest_fund(Contest.objects.select_related("book").get(pk=award.contest_id))
        return context


class AwardApprove(AwardAction):
    action = "award.approve"
    title = _("Approve the award")
    intro = _("The whole amount is reserved out of the joint fund's cash (refused when the fund holds less); the "
              "enterprise is told. Its tranches are then paid one after another.")
    submit_label = _("Approve the award")
    form_class = f.MoneyConfirmForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        award: Award = self.get_object()  # type: ignore[assignment]
        context["blocked"] = award.state == State.PREPARED and context["is_preparer"]
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.award_approve(actor=self.actor, today=self.today, award_id=self.get_object().pk,
                                      idempotency_key=form.cleaned_data["idempotency_key"])

    def success_message(self, result: Any) -> str:
        award, _created = result
        return gettext("Award A%(id)s was approved: %(amount)s is reserved out of the joint fund.") % {
            "id": award.pk, "amount": won(award.amount)}


class AwardCancel(AwardAction):
    action = "award.cancel"
    title = _("Cancel the award")
    intro = _("A prepared award, or an approved one of which nothing was paid: its reservation goes back to the joint "
              "fund's cash.")
    submit_label = _("Cancel the award")
    danger = True
    form_class = f.AwardCancelForm

    def perform(self, form: forms.Form) -> Any:
        return services.award_cancel(actor=self.actor, today=self.today, award_id=self.get_object().pk,
                                     reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("Award A%(id)s was cancelled.") % {"id": result.pk}


# --- tranches --------------------------------------------------------------------------------------------------------


class TrancheMixin:
    access = ACCESS
    section = "contest-awards"
    context_object_name = "tranche"
    request: Any

    def visible(self) -> QuerySet[AwardTranche]:
        return (AwardTranche.objects.filter(award__in=awards_for(self.request.user))
                .select_related("award__entry__enterprise", "award__contest"))

    def success_url(self) -> str:
        return award_url(self.get_object().award_id)  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        tranche: AwardTranche = self.get_object()  # type: ignore[attr-defined]
        items = list(tranche.spending.all())
        context.update(award=tranche.award, items=items,
                       reported_total=sum((item.amount.amount for item in items), ZERO))
        return context


class TranchePay(TrancheMixin, ActionPage):
    template_name = "web/crowdfunding/console/tranche_action.html"
    action = "tranche.pay"
    title = _("Pay the tranche")
    intro = _("The tranche is paid out of the award's reservation to the enterprise (선급금); tranches are paid in "
              "order. The enterprise then reports how it spent it.")
    submit_label = _("Pay the tranche")
    form_class = f.TranchePayForm

    def initial(self) -> dict[str, Any]:
        return {"paid_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.tranche_pay(actor=self.actor, today=self.today, tranche_id=self.get_object().pk,
                                    paid_on=data["paid_on"], idempotency_key=data["idempotency_key"])

    def success_message(self, result: Any) -> str:
        tranche, _created = result
        return gettext("Tranche %(n)s (%(amount)s) was paid on %(date)s.") % {
            "n": tranche.number, "amount": won(tranche.amount), "date": tranche.paid_on.isoformat()}


class TrancheSettle(TrancheMixin, ActionPage):
    template_name = "web/crowdfunding/console/tranche_action.html"
    action = "tranche.settle"
    title = _("Settle the tranche (정산)")
    intro = _("What is accepted as spent becomes the award's expense; what was not spent is due back to the joint "
              "fund. With nothing unspent the tranche is closed.")
    submit_label = _("Settle the tranche")
    form_class = f.TrancheSettleForm

    def perform(self, form: forms.Form) -> Any:
        accepted = form.cleaned_data["accepted"]
        return services.tranche_settle(actor=self.actor, today=self.today, tranche_id=self.get_object().pk,
                                       accepted=accepted)

    def success_message(self, result: Any) -> str:
        if result.unspent.amount:
            return gettext("Tranche %(n)s was settled: %(spent)s spent, %(unspent)s due back.") % {
                "n": result.number, "spent": won(result.spent), "unspent": won(result.unspent)}
        return gettext("Tranche %(n)s was settled and closed: all of it was spent.") % {"n": result.number}


class TrancheReturn(TrancheMixin, ActionPage):
    template_name = "web/crowdfunding/console/tranche_action.html"
    action = "tranche.return"
    title = _("Record the return of the unspent money (반환)")
    intro = _("The unspent money came back: it returns to the joint fund's cash and the tranche is closed.")
    submit_label = _("Record the return")
    form_class = f.TrancheReturnForm

    def initial(self) -> dict[str, Any]:
        return {"returned_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.tranche_return(actor=self.actor, today=self.today, tranche_id=self.get_object().pk,
                                       returned_on=data["returned_on"], idempotency_key=data["idempotency_key"])

    def success_message(self, result: Any) -> str:
        tranche, _created = result
        return gettext("%(amount)s came back to the joint fund; tranche %(n)s is closed.") % {
            "amount": won(tranche.unspent), "n": tranche.number}


class SpendingEvidence(ObjectPage):
    """The evidence file (증빙) of a spending item, for staff to check a report."""

    access, action = ACCESS, "award.read"
    section = "contest-awards"

    def visible(self) -> QuerySet[SpendingItem]:
        return SpendingItem.objects.filter(tranche__award__in=awards_for(self.request.user))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        item: SpendingItem = self.get_object()  # type: ignore[assignment]
        try:
            handle = item.evidence.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        name = (item.evidence.name or "evidence").rsplit("/", 1)[-1]
        return FileResponse(handle, as_attachment=True, filename=name)
