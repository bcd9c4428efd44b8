"""The enterprise portal's awards (``/my/award-tranches/``): a tranche of the enterprise's award, how it was spent
(the items with their amount, category, description, date and evidence file), adding and removing items while the
report is open, submitting the report, and, once a manager has settled it, what was accepted as spent and what must
be returned to the joint fund (보조금 정산).

As every portal page, only the member's own enterprises' tranches and items are reached; anything else is 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import format_won
from crowdfunding import selectors, services
from crowdfunding.models import AwardTranche, SpendingItem
from web.common.pages import ActionPage, ObjectPage

from . import portal_forms as pf
from .portal import PortalPage, my_tranches
from .portal_links import my_entry_url, my_tranche_url

TState = AwardTranche.State
ZERO = Decimal(0)


def my_items(user: Any) -> QuerySet[SpendingItem]:
    return SpendingItem.objects.filter(tranche__in=my_tranches(user)).select_related("tranche__award__entry")


def reported_total(tranche: AwardTranche) -> Decimal:
    return sum((item.amount.amount for item in tranche.spending.all()), ZERO)


class MyTrancheMixin(PortalPage):
    """A tranche of the member's own enterprises' awards (anything else is 404)."""

    section = "contest-entries"
    context_object_name: ClassVar[str] = "tranche"

    def visible(self) -> QuerySet[AwardTranche]:
        return my_tranches(self.request.user)

    def success_url(self) -> str:
        return my_tranche_url(self.get_object())  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tranche: AwardTranche = self.get_object()  # type: ignore[attr-defined]
        kwargs.setdefault("object", tranche_name(tranche))  # the way back
        return super().get_context_data(**kwargs)


def tranche_name(tranche: AwardTranche) -> str:
    return gettext("Tranche %(number)s of the award to %(title)s") % {"number": tranche.number,
                                                                     "title": tranche.award.entry.title}


class MyTranchePage(MyTrancheMixin, ObjectPage):
    """A tranche: its amount and when it was paid, the spending report (items, their total, what is left), its
    buttons while the report is open, and after the settlement what was accepted and what must be returned."""

    template_name = "web/crowdfunding/my/tranche.html"
    action = "award.read"
    buttons = ("tranche.spending", "tranche.report")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tranche: AwardTranche = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        items = list(selectors.spending_of(tranche))
        reported = sum((item.amount.amount for item in items), ZERO)
        context.update(
            title=tranche_name(tranche),
            award=tranche.award,
            entry_url=my_entry_url(tranche.award.entry),
            items=items,
            reported=reported,
            left=tranche.amount.amount - reported,
            open_report=tranche.state == TState.PAID,
        )
        return context


class MultipartActionPage(ActionPage):
    """An action whose form carries a file."""

    template_name = "web/crowdfunding/my/upload.html"

    def get_form(self, data: Mapping[str, Any] | None = None) -> forms.Form:
        files = self.request.FILES if data is not None else None
        return self.form_class(data, files, **self.get_form_kwargs())


class MySpendingAdd(MyTrancheMixin, MultipartActionPage):
    """Add a line to the tranche's spending report, with its evidence."""

    action = "tranche.spending"
    title = _("Report spending")
    intro = _("Each line is a payment made out of this tranche, with its evidence. The lines together may not be "
              "more than the tranche; what is not spent is returned to the joint fund after the settlement.")
    submit_label = _("Add to the report")
    form_class = pf.SpendingForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tranche: AwardTranche = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        reported = reported_total(tranche)
        context.update(tranche=tranche, reported=reported, left=tranche.amount.amount - reported)
        return context

    def perform(self, form: forms.Form) -> SpendingItem:
        data = form.cleaned_data
        return services.spending_add(actor=self.actor, today=self.today, tranche_id=self.get_object().pk,
                                     amount=data["amount"], category=data["category"],
                                     description=data["description"], spent_on=data["spent_on"],
                                     evidence=data["evidence"])

    def success_message(self, result: Any) -> str:
        return gettext("%(amount)s for %(description)s was added to the report.") % {
            "amount": format_won(result.amount.amount), "description": result.description}


class MySpendingRemove(PortalPage, ActionPage):
    """Take a line off the tranche's report while it is not submitted."""

    section = "contest-entries"
    action = "tranche.spending"
    title = _("Remove the line from the report")
    submit_label = _("Remove")
    danger = True
    form_class = forms.Form
    context_object_name = "item"

    def visible(self) -> QuerySet[SpendingItem]:
        return my_items(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        item: SpendingItem = self.get_object()  # type: ignore[assignment]
        kwargs.setdefault("object", tranche_name(item.tranche))
        context = super().get_context_data(**kwargs)
        context["intro"] = gettext("%(date)s · %(description)s · %(amount)s") % {
            "date": item.spent_on.isoformat(), "description": item.description,
            "amount": format_won(item.amount.amount)}
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.spending_remove(actor=self.actor, today=self.today, item_id=self.get_object().pk)

    def success_url(self) -> str:
        return my_tranche_url(self.get_object().tranche)  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        return gettext("The line was removed from the report.")


class MyTrancheReport(MyTrancheMixin, ActionPage):
    """Submit the tranche's spending report to the managers, who settle it."""

    action = "tranche.report"
    title = _("Submit the spending report")
    intro = _("Once submitted, the report can no longer be changed. A manager settles it: what the report shows as "
              "spent is accepted, and what was not spent must be returned to the joint fund.")
    submit_label = _("Submit the report")
    form_class = forms.Form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tranche: AwardTranche = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        reported = reported_total(tranche)
        context["intro"] = gettext("%(intro)s The report shows %(reported)s spent of %(amount)s; %(left)s would be "
                                   "returned.") % {"intro": self.intro, "reported": format_won(reported),
                                                   "amount": format_won(tranche.amount.amount),
                                                   "left": format_won(tranche.amount.amount - reported)}
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.tranche_report(actor=self.actor, today=self.today, tranche_id=self.get_object().pk)

    def success_message(self, result: Any) -> str:
        return gettext("The spending report was submitted; a manager will settle it.")


class MyEvidence(PortalPage, ObjectPage):
    """The evidence file of one of the enterprise's spending lines, as it was uploaded."""

    action = "award.read"

    def visible(self) -> QuerySet[SpendingItem]:
        return my_items(self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        item: SpendingItem = self.get_object()  # type: ignore[assignment]
        if not item.evidence:
            raise Http404
        name = str(item.evidence.name).rsplit("/", 1)[-1]
        return FileResponse(item.evidence.open("rb"), as_attachment=True, filename=name)
