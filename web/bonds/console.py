"""Social impact bonds in the staff console: the contracts (a table), each contract's dashboard (capital committed,
called and paid in, service funding disbursed, the outcome metrics' achievement against their payment tables as
charts, outcome payments, distributions, each investor's multiple and IRR, all reconciled to the contract's ledger)
and its actions, each an ``ActionPage`` calling one service: sign (a second manager), start the service, move to the
final evaluation, close; call capital and record each investor's payment; disburse to the provider; prepare an
outcome payment at an evaluation point and approve it (another manager); distribute to the investors. The managers'
inbox panel on the console's start page lists the contracts to sign and the payments to approve.

Four eyes are the services' rule (and the database's): whoever prepared a contract may not sign it, whoever prepared
a payment may not approve it. The pages show a note to them instead of the buttons; a forged POST is refused (409)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bonds import selectors, services
from bonds.access import ACCESS
from bonds.models import (
    CapitalCall,
    CapitalCallLine,
    Contract,
    Disbursement,
    Distribution,
    EvaluationPoint,
    OutcomePayment,
)
from core.selectors import audit_events
from web.common.format import won
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import DateColumn, LinkColumn, ListPage, StateColumn, Table, WonColumn

from . import forms as f
from .common import contract_url, outcomes

State = Contract.State


class ContractTable(Table):
    code = LinkColumn(verbose_name=_("Code"), url=contract_url)
    name = tables.Column(verbose_name=_("Contract"))
    provider = tables.Column(verbose_name=_("Service provider"), accessor="provider__name",
                             order_by=("provider__name",))
    committed = WonColumn(verbose_name=_("Committed"), order_by=("committed",))
    paid_in = WonColumn(verbose_name=_("Paid in"), order_by=("paid_in",))
    disbursed = WonColumn(verbose_name=_("Disbursed"), order_by=("disbursed",))
    outcome_paid = WonColumn(verbose_name=_("Outcome payments"), order_by=("outcome_paid",))
    max_payment = WonColumn(verbose_name=_("Cap"), order_by=("max_payment",))
    service_starts_on = DateColumn(verbose_name=_("Service from"))
    state = StateColumn(verbose_name=_("State"))

    class Meta(Table.Meta):
        model = Contract
        fields = ("code", "name", "provider", "committed", "paid_in", "disbursed", "outcome_paid", "max_payment",
                  "service_starts_on", "state")
        order_by = ("-id",)


class ContractList(ListPage):
    access, action = ACCESS, "contract.read"
    title = _("Social impact bonds")
    intro = _("Investors fund a service; an evaluator verifies its outcomes; the city pays for verified outcomes "
              "only, and the investors are repaid from those payments.")
    section = "bonds"
    table_class = ContractTable
    export_name = "bonds"

    def rows(self) -> QuerySet[Contract]:
        return selectors.contracts_visible_to(self.request.user).select_related("provider")


class ContractMixin:
    access = ACCESS
    section = "bonds"
    context_object_name = "contract"
    request: Any

    def visible(self) -> QuerySet[Contract]:
        return selectors.contracts_visible_to(self.request.user).select_related(
            "provider", "outcome_payer", "operator", "evaluator", "prepared_by", "signed_by", "leftover_investor")


def contract_context(contract: Contract) -> dict[str, Any]:
    """What the contract's dashboard shows (the console's; the investors' and members' pages show parts of it)."""
    investments = list(contract.investments.select_related("investor").order_by("position", "pk"))
    figures = selectors.investors_figures(investments)
    calls = list(CapitalCall.objects.filter(contract=contract).prefetch_related("lines__investment__investor")
                 .order_by("number"))
    return {
        "position": selectors.contract_position(contract),
        "investments": [{"investment": inv, "figures": figures[inv.pk]} for inv in investments],
        "calls": calls,
        "disbursements": list(Disbursement.objects.filter(contract=contract).order_by("number")),
        "payments": list(OutcomePayment.objects.filter(contract=contract).select_related(
            "point", "prepared_by", "approved_by").order_by("paid_on", "pk")),
        "distributions": list(Distribution.objects.filter(contract=contract)
                              .prefetch_related("lines__investment__investor").order_by("number")),
        **outcomes(contract),
    }


class ContractPage(ContractMixin, ObjectPage):
    template_name = "web/bonds/console/contract.html"
    action = "contract.read"
    buttons = ("contract.sign", "contract.advance", "capital_call.make", "capital_call.record", "disbursement.make",
               "payment.prepare", "payment.approve", "distribution.make")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contract: Contract = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        me = self.request.user.pk
        context.update(contract_context(contract), title=contract.name,
                       is_preparer=contract.prepared_by_id == me,
                       events=list(audit_events(object_type="bonds.contract", object_id=str(contract.pk))[:30]))
        return context


# --- actions on a contract ---------------------------------------------------------------------------------------


class ContractAction(ContractMixin, ActionPage):
    template_name = "web/bonds/action.html"

    def success_url(self) -> str:
        return contract_url(self.get_object())  # type: ignore[arg-type]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["position"] = selectors.contract_position(self.get_object())  # type: ignore[arg-type]
        return context


class ContractSign(ContractAction):
    action = "contract.sign"
    form_class = f.SignForm
    title = _("Sign the contract")
    intro = _("A manager other than the one who prepared the contract signs it (four eyes); the city's outcome "
              "budget is appropriated at the maximum outcome payment.")
    submit_label = _("Sign the contract")

    def initial(self) -> dict[str, Any]:
        return {"signed_on": self.today}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contract: Contract = self.get_object()  # type: ignore[assignment]
        context["blocked"] = contract.state == State.DRAFT and contract.prepared_by_id == self.request.user.pk
        context["blocked_note"] = _("You prepared this contract; another manager must sign it.")
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.contract_sign(actor=self.actor, contract_id=self.get_object().pk,
                                      signed_on=form.cleaned_data["signed_on"], today=self.today)


class ContractStart(ContractAction):
    action = "contract.advance"
    form_class = f.AdvanceForm
    title = _("Start the service")
    submit_label = _("Start the service")

    def initial(self) -> dict[str, Any]:
        return {"on_date": self.today}

    def perform(self, form: forms.Form) -> Any:
        return services.contract_start(actor=self.actor, contract_id=self.get_object().pk,
                                       started_on=form.cleaned_data["on_date"], today=self.today)


class ContractEvaluate(ContractStart):
    title = _("Move to the final evaluation")
    submit_label = _("Move to the final evaluation")

    def perform(self, form: forms.Form) -> Any:
        return services.contract_evaluate(actor=self.actor, contract_id=self.get_object().pk,
                                          on_date=form.cleaned_data["on_date"], today=self.today)


class ContractClose(ContractStart):
    title = _("Close the contract")
    intro = _("Once settled and distributed: the unspent outcome budget lapses.")
    submit_label = _("Close the contract")
    danger = True

    def perform(self, form: forms.Form) -> Any:
        return services.contract_close(actor=self.actor, contract_id=self.get_object().pk,
                                       closed_on=form.cleaned_data["on_date"], today=self.today)


class CapitalCallMake(ContractAction):
    action = "capital_call.make"
    form_class = f.CapitalCallForm
    title = _("Call capital")
    intro = _("The call is shared among the investors in proportion to what each has still to pay in, each share "
              "rounded down to the contract's unit, the leftover to the named investor.")
    submit_label = _("Call capital")

    def initial(self) -> dict[str, Any]:
        return {"call_on": self.today, "due_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.capital_call_make(actor=self.actor, contract_id=self.get_object().pk, amount=data["amount"],
                                          call_on=data["call_on"], due_on=data["due_on"],
                                          idempotency_key=data["idempotency_key"], today=self.today)

    def success_message(self, result: Any) -> str:
        call, _new = result
        return gettext("Capital call %(number)s made: %(amount)s.") % {"number": call.number,
                                                                       "amount": won(call.amount)}


class DisbursementMake(ContractAction):
    action = "disbursement.make"
    form_class = f.DisbursementForm
    title = _("Disburse to the provider")
    intro = _("A tranche of the contract's cash paid to the service provider (사업비 지급).")
    submit_label = _("Disburse")

    def initial(self) -> dict[str, Any]:
        return {"paid_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.disbursement_make(actor=self.actor, contract_id=self.get_object().pk, amount=data["amount"],
                                          paid_on=data["paid_on"], idempotency_key=data["idempotency_key"],
                                          today=self.today, memo=data["memo"])


class DistributionMake(ContractAction):
    action = "distribution.make"
    form_class = f.DistributionForm
    title = _("Distribute to the investors")
    intro = _("Pro rata to paid-in capital, or senior principal, senior return, junior principal and then the rest "
              "for a contract with classes.")
    submit_label = _("Distribute")

    def initial(self) -> dict[str, Any]:
        return {"paid_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.distribution_make(actor=self.actor, contract_id=self.get_object().pk, amount=data["amount"],
                                          paid_on=data["paid_on"], idempotency_key=data["idempotency_key"],
                                          today=self.today)


# --- actions on a call line, an evaluation point, a payment ------------------------------------------------------


class CallLinePaid(ActionPage):
    access, action, section = ACCESS, "capital_call.record", "bonds"
    template_name = "web/bonds/action.html"
    form_class = f.CallPaidForm
    context_object_name = "line"
    title = _("Record an investor's payment")
    submit_label = _("Record the payment")

    def visible(self) -> QuerySet[CapitalCallLine]:
        return CapitalCallLine.objects.filter(
            call__contract__in=selectors.contracts_visible_to(self.request.user)).select_related(
            "call__contract", "investment__investor")

    def initial(self) -> dict[str, Any]:
        return {"paid_on": self.today}

    def success_url(self) -> str:
        return contract_url(self.get_object().call.contract)  # type: ignore[attr-defined]

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.capital_call_paid(actor=self.actor, line_id=self.get_object().pk, paid_on=data["paid_on"],
                                          idempotency_key=data["idempotency_key"], today=self.today)


class PaymentPrepare(ActionPage):
    access, action, section = ACCESS, "payment.prepare", "bonds"
    template_name = "web/bonds/action.html"
    form_class = f.PaymentPrepareForm
    context_object_name = "point"
    title = _("Prepare the outcome payment")
    intro = _("The payment due is worked out from the confirmed results at this evaluation point under the metrics' "
              "terms, never above the budget cap left. Another manager approves it.")
    submit_label = _("Prepare the payment")

    def visible(self) -> QuerySet[EvaluationPoint]:
        return EvaluationPoint.objects.filter(
            contract__in=selectors.contracts_visible_to(self.request.user)).select_related("contract")

    def initial(self) -> dict[str, Any]:
        return {"paid_on": self.today}

    def success_url(self) -> str:
        return contract_url(self.get_object().contract)  # type: ignore[attr-defined]

    def perform(self, form: forms.Form) -> Any:
        return services.outcome_payment_prepare(actor=self.actor, point_id=self.get_object().pk,
                                                paid_on=form.cleaned_data["paid_on"], today=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("Outcome payment prepared: %(amount)s; another manager approves it.") % {
            "amount": won(result.amount)}


class PaymentApprove(ActionPage):
    access, action, section = ACCESS, "payment.approve", "bonds"
    template_name = "web/bonds/console/payment_approve.html"
    form_class = f.PaymentApproveForm
    context_object_name = "payment"
    title = _("Approve the outcome payment")
    intro = _("Approving pays it from the city's outcome budget into the contract's cash; the final payment settles "
              "the contract.")
    submit_label = _("Approve and pay")

    def visible(self) -> QuerySet[OutcomePayment]:
        return OutcomePayment.objects.filter(
            contract__in=selectors.contracts_visible_to(self.request.user)).select_related(
            "contract", "point", "prepared_by", "approved_by")

    def success_url(self) -> str:
        return contract_url(self.get_object().contract)  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        payment: OutcomePayment = self.get_object()  # type: ignore[assignment]
        context["blocked"] = (payment.state == OutcomePayment.State.PREPARED
                              and payment.prepared_by_id == self.request.user.pk)
        context["blocked_note"] = _("You prepared this payment; another manager must approve it.")
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.outcome_payment_approve(actor=self.actor, payment_id=self.get_object().pk,
                                                idempotency_key=form.cleaned_data["idempotency_key"],
                                                today=self.today)


def inbox_panel(request: HttpRequest) -> dict[str, Any]:
    """What waits for the signed-in manager (for an auditor: what waits for anyone, read only)."""
    return {"inbox": selectors.bond_inbox_for(request.user)}
