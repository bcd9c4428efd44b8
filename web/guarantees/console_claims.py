"""Claims (대위변제) in the console: the list, each claim's page (the bank's request, the amount worked out, the
구상채권 the enterprise owes today, its recoveries and write-off, the audit trail) and its actions, each an
``ActionPage`` that calls one service: prepare (심사: the payment date and the costs accepted), approve (pay) or
reject, record a recovery (구상), ask for the 구상채권's write-off and approve it.

Four eyes are the services' rule (and the database's): whoever prepared a claim may not approve or reject it, whoever
asked for a write-off may not approve it. The pages show a note to them instead of the buttons."""

from __future__ import annotations

from itertools import chain
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.selectors import audit_events
from guarantees import selectors, services
from guarantees.access import ACCESS
from guarantees.models import Claim, RecourseWriteOff
from web.common.format import won
from web.common.forms import ReasonForm, RequiredReasonForm
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage

from . import console_forms as f
from .console_filters import ClaimFilter
from .console_tables import ClaimTable
from .links import claim_url

State = Claim.State


class ClaimList(ListPage):
    access, action = ACCESS, "claim.read"
    title = _("Claims (대위변제)")
    intro = _("A bank claims after its loan defaulted; one fund manager works the claim out (심사), another approves "
              "and pays it from the program's funds, which opens a 구상채권 against the enterprise.")
    section = "guarantee-claims"
    table_class = ClaimTable
    filterset_class = ClaimFilter
    export_name = "guarantee-claims"

    def rows(self) -> QuerySet[Claim]:
        return selectors.claims_visible_to(self.request.user).select_related("prepared_by", "approved_by")


class ClaimMixin:
    access = ACCESS
    section = "guarantee-claims"
    context_object_name = "claim"
    request: Any

    def visible(self) -> QuerySet[Claim]:
        return selectors.claims_visible_to(self.request.user).select_related(
            "requested_by", "prepared_by", "approved_by", "rejected_by")


def write_off_of(claim: Claim) -> RecourseWriteOff | None:
    """The claim's write-off (one at most), asked for or approved."""
    return claim.write_offs.select_related("requested_by", "approved_by").first()


def four_eyes(claim: Claim, write_off: RecourseWriteOff | None, user: Any) -> dict[str, bool]:
    """What the page says about the user: the preparer may not decide the claim, the one who asked for the write-off
    may not approve it."""
    pk = getattr(user, "pk", None)
    return {
        "is_preparer": claim.prepared_by_id is not None and claim.prepared_by_id == pk,
        "is_write_off_requester": write_off is not None and write_off.requested_by_id == pk,
    }


def trail(claim: Claim, write_off: RecourseWriteOff | None) -> list[Any]:
    """The claim's audit events with those of its recoveries and its write-off, newest first."""
    events = [audit_events(object_type="guarantees.claim", object_id=str(claim.pk))[:50]]
    recoveries = [str(pk) for pk in claim.recoveries.values_list("pk", flat=True)]
    if recoveries:
        events.append(audit_events(object_type="guarantees.recovery").filter(object_id__in=recoveries)[:50])
    if write_off is not None:
        events.append(audit_events(object_type="guarantees.recoursewriteoff", object_id=str(write_off.pk))[:10])
    return sorted(chain.from_iterable(events), key=lambda e: (e.occurred_at, e.pk), reverse=True)


class ClaimPage(ClaimMixin, ObjectPage):
    """A claim: the guarantee and the bank's request; the amount worked out (principal, unpaid interest, costs, the
    guaranteed share capping it); once paid, what the enterprise owes today on the 구상채권 (costs, late damages,
    principal), its recoveries and its write-off; the audit trail."""

    template_name = "web/guarantees/console/claim.html"
    action = "claim.read"
    buttons = ("claim.prepare", "claim.approve", "recovery.record", "recourse.write_off", "guarantee.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        claim: Claim = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        write_off = write_off_of(claim)
        context.update(
            title=gettext("Claim C%(id)s · %(enterprise)s") % {"id": claim.pk,
                                                              "enterprise": claim.guarantee.enterprise.name},
            face=selectors.face_amount(claim.guarantee),
            owed=selectors.recourse_position(claim, self.today),
            recoveries=list(selectors.recoveries_of(claim).select_related("created_by")),
            write_off=write_off,
            events=trail(claim, write_off),
            **four_eyes(claim, write_off, self.request.user),
        )
        return context


class ClaimAction(ClaimMixin, ActionPage):
    template_name = "web/guarantees/console/claim_action.html"
    decides: bool = False  # approve or reject: the preparer is kept out (four eyes)

    def success_url(self) -> str:
        return claim_url(self.get_object())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        claim: Claim = self.get_object()  # type: ignore[assignment]
        write_off = write_off_of(claim)
        eyes = four_eyes(claim, write_off, self.request.user)
        context.update(eyes, write_off=write_off, owed=selectors.recourse_position(claim, self.today))
        context["blocked"] = self.is_blocked(claim, write_off, eyes)
        return context

    def is_blocked(self, claim: Claim, write_off: RecourseWriteOff | None, eyes: dict[str, bool]) -> bool:
        """Whether the form is withheld from this user (a forged POST still gets the service's refusal)."""
        return self.decides and claim.state == State.PREPARED and eyes["is_preparer"]


class ClaimPrepare(ClaimAction):
    action = "claim.prepare"
    title = _("Prepare the claim")
    intro = _("The amount is worked out for payment on the day given: the principal claimed, the unpaid interest at "
              "the loan's rate up to that day and the bank's costs accepted, times the guarantee ratio, at most the "
              "guaranteed share. Another fund manager approves the payment.")
    submit_label = _("Prepare the claim")
    form_class = f.ClaimPrepareForm

    def initial(self) -> dict[str, Any]:
        claim: Claim = self.get_object()  # type: ignore[assignment]
        return {"paid_on": claim.paid_on or self.today, "costs": f"{int(claim.requested_costs.amount):,}"}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.claim_prepare(actor=self.actor, claim_id=self.get_object().pk, paid_on=data["paid_on"],
                                      today=self.today, costs=data["costs"])

    def success_message(self, result: Any) -> str:
        return gettext("Claim prepared: %(amount)s to pay on %(date)s; another fund manager must approve it.") % {
            "amount": won(result.amount), "date": result.paid_on.isoformat()}


class ClaimApprove(ClaimAction):
    action = "claim.approve"
    title = _("Approve and pay the claim")
    intro = _("The program's cash pays the bank (refused if it holds less); the guarantee's capacity is released and "
              "a 구상채권 opens against the enterprise, with late damages from the payment date. This cannot be "
              "undone.")
    submit_label = _("Approve and pay")
    form_class = f.ClaimApproveForm
    decides = True

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.claim_approve(actor=self.actor, claim_id=self.get_object().pk,
                                      idempotency_key=data["idempotency_key"], today=self.today,
                                      reason=data["reason"])

    def success_message(self, result: Any) -> str:
        claim, _paid_now = result
        return gettext("Claim C%(id)s was paid: %(amount)s on %(date)s.") % {
            "id": claim.pk, "amount": won(claim.amount), "date": claim.paid_on.isoformat()}


class ClaimReject(ClaimAction):
    action = "claim.approve"  # deciding a claim, either way (the service's rule and its audit action)
    title = _("Reject the claim")
    intro = _("The claim is refused with a reason; the bank may claim again.")
    submit_label = _("Reject")
    danger = True
    form_class = RequiredReasonForm
    decides = True

    def perform(self, form: forms.Form) -> Any:
        return services.claim_reject(actor=self.actor, claim_id=self.get_object().pk,
                                     reason=form.cleaned_data["reason"], today=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("The claim was rejected.")


class RecoveryRecord(ClaimAction):
    action = "recovery.record"
    title = _("Record a recovery (구상)")
    intro = _("Money recovered from the enterprise on the 구상채권: late damages accrue up to the day received, then "
              "it pays costs, damages and principal in that order. After a write-off it is income.")
    submit_label = _("Record the recovery")
    form_class = f.RecoveryForm

    def initial(self) -> dict[str, Any]:
        return {"received_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.recovery_record(actor=self.actor, claim_id=self.get_object().pk, amount=data["amount"],
                                        received_on=data["received_on"], idempotency_key=data["idempotency_key"],
                                        today=self.today, memo=data["memo"])

    def success_message(self, result: Any) -> str:
        recovery, _new = result
        return gettext("Recovery of %(amount)s recorded (received %(date)s).") % {
            "amount": won(recovery.amount), "date": recovery.received_on.isoformat()}


class WriteOffRequest(ClaimAction):
    action = "recourse.write_off"
    title = _("Ask for a write-off of the 구상채권")
    intro = _("For a 구상채권 that cannot be collected. Another fund manager must approve it; until then nothing "
              "changes. The debt stays owed: what is recovered later is income.")
    submit_label = _("Ask for the write-off")
    danger = True
    form_class = RequiredReasonForm

    def perform(self, form: forms.Form) -> Any:
        return services.recourse_write_off_request(actor=self.actor, claim_id=self.get_object().pk,
                                                   reason=form.cleaned_data["reason"], today=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("Write-off asked for; another fund manager must approve it.")


class WriteOffApprove(ClaimAction):
    action = "recourse.write_off"
    title = _("Approve the write-off of the 구상채권")
    intro = _("The principal and costs outstanding today are written off and the guarantee is closed as written off. "
              "This cannot be undone; recoveries are recorded afterwards as income.")
    submit_label = _("Approve the write-off")
    danger = True
    form_class = ReasonForm

    def is_blocked(self, claim: Claim, write_off: RecourseWriteOff | None, eyes: dict[str, bool]) -> bool:
        return (write_off is not None and write_off.state == RecourseWriteOff.State.REQUESTED
                and eyes["is_write_off_requester"])

    def perform(self, form: forms.Form) -> Any:
        return services.recourse_write_off_approve(actor=self.actor, claim_id=self.get_object().pk, today=self.today,
                                                   reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("The 구상채권 was written off on %(date)s.") % {
            "date": result.written_off_on.isoformat() if result.written_off_on else ""}
