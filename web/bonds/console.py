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

import re
from typing import Any, ClassVar

import django_tables2 as tables
from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
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
    DistributionMode,
    EvaluationPoint,
    Metric,
    OutcomePayment,
)
from core.errors import ValidationFailed
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
    buttons = ("contract.create",)
    template_name = "web/bonds/console/contracts.html"
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
    context_object_name: ClassVar[str] = "contract"
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
    buttons = ("contract.update", "contract.sign", "contract.advance", "capital_call.make", "capital_call.record",
               "disbursement.make", "payment.prepare", "payment.approve", "distribution.make")

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

    def _contract(self) -> Contract:
        """The contract the action is on (the page's object, or the object's contract)."""
        return self.get_object()  # type: ignore[return-value]

    def success_url(self) -> str:
        return contract_url(self._contract())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["position"] = selectors.contract_position(self._contract())
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


# --- setting a draft up: the contract, its investors, metrics, payment terms and evaluation points --------------


class ContractCreate(ActionPage):
    """A new draft contract (``contract_create``): the manager who makes it prepares it; another signs it."""

    access, action, section = ACCESS, "contract.create", "bonds"
    template_name = "web/bonds/action.html"
    form_class = f.ContractCreateForm
    title = _("New contract")
    intro = _("The contract starts as a draft with its own book of accounts. Add its investors, metrics with their "
              "payment terms and evaluation points on its page; then another manager signs it.")
    submit_label = _("Create the draft")
    created: Contract | None = None

    def get_object(self) -> Any:
        return None  # nothing yet: the form makes the contract

    def initial(self) -> dict[str, Any]:
        return {"interim_percent": 0, "distribution_mode": DistributionMode.PRO_RATA}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("object", gettext("Social impact bonds"))
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Contract:
        assert isinstance(form, f.ContractCreateForm)
        self.created = services.contract_create(actor=self.actor, code=form.cleaned_data["code"], **form.values())
        return self.created

    def success_url(self) -> str:
        return contract_url(self.created) if self.created is not None else reverse("web:bonds")

    def success_message(self, result: Any) -> str:
        return gettext("Draft contract %(code)s created; add its investors, metrics and evaluation points.") % {
            "code": result.code}


class DraftAction(ContractAction):
    """A change to a draft contract. Once signed the change is refused: the page says so (409) instead of its form,
    and the service refuses a forged POST the same way."""

    action = "contract.update"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._signed() or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A contract already signed: the same page, whatever the form holds (the service refuses it too, under
        # its lock, should the contract be signed between this check and the write).
        return self._signed() or super().post(request, *args, **kwargs)

    def _signed(self) -> HttpResponse | None:
        contract = self._contract()
        if contract.state == State.DRAFT:
            return None
        context = self.get_context_data(
            blocked=True, blocked_note=gettext("Only a draft contract can be changed; this one is %(state)s.")
            % {"state": contract.get_state_display()})
        return self.render_to_response(context, status=409)


class ContractEdit(DraftAction):
    form_class = f.ContractForm
    title = _("Change the draft contract")
    submit_label = _("Save the contract")

    def initial(self) -> dict[str, Any]:
        return f.ContractForm.initial_of(self._contract())

    def perform(self, form: forms.Form) -> Contract:
        assert isinstance(form, f.ContractForm)
        return services.contract_update(actor=self.actor, contract_id=self._contract().pk, **form.values())

    def success_message(self, result: Any) -> str:
        return gettext("The draft contract was saved.")


class InvestmentAdd(DraftAction):
    form_class = f.InvestmentForm
    title = _("Add an investor")
    intro = _("An investing institution's commitment (약정). The first investor takes the rounding leftover of "
              "distributions.")
    submit_label = _("Add the investor")

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.investment_add(actor=self.actor, contract_id=self._contract().pk, investor=data["investor"],
                                       commitment=data["commitment"], share_class=data["share_class"] or "")

    def success_message(self, result: Any) -> str:
        return gettext("%(investor)s commits %(amount)s.") % {"investor": result.investor.name,
                                                              "amount": won(result.commitment)}


class MetricAdd(DraftAction):
    form_class = f.MetricForm
    title = _("Add an outcome metric")
    intro = _("What the evaluator measures (성과지표); its payment term is set next.")
    submit_label = _("Add the metric")
    created: Any = None

    def perform(self, form: forms.Form) -> Any:
        self.created = services.metric_create(actor=self.actor, contract_id=self._contract().pk,
                                              **form.cleaned_data)
        return self.created

    def success_url(self) -> str:
        if self.created is not None:
            return reverse("web:bond-metric-term", args=[self.created.pk])
        return super().success_url()

    def success_message(self, result: Any) -> str:
        return gettext("Metric %(code)s added; now set its payment term.") % {"code": result.code}


STEP_FIELD = re.compile(r"^steps\[(\d+)\](?:\.\w+)?$")


class TermSet(DraftAction):
    """Set (or replace) a metric's payment term: an achievement table or a rate card (``payment_term_set``)."""

    template_name = "web/bonds/console/term.html"
    form_class = f.TermForm
    context_object_name = "metric"
    title = _("Set the payment term")
    intro = _("An achievement table pays a percent of its principal by the achievement rate; a rate card pays a "
              "price per verified unit.")
    submit_label = _("Save the payment term")

    def visible(self) -> QuerySet[Metric]:  # type: ignore[override]
        return Metric.objects.filter(contract__in=selectors.contracts_visible_to(self.request.user)).select_related(
            "contract", "term")

    def _contract(self) -> Contract:
        return self.get_object().contract  # type: ignore[attr-defined]

    def initial(self) -> dict[str, Any]:
        return f.TermForm.initial_of(getattr(self.get_object(), "term", None))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("object", self._contract())  # the way back is to the contract
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Any:
        assert isinstance(form, f.TermForm)
        try:
            return services.payment_term_set(actor=self.actor, metric_id=self.get_object().pk, **form.values())
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, fields=_step_fields(exc.fields)) from None

    def success_message(self, result: Any) -> str:
        return gettext("The payment term of %(code)s was saved.") % {"code": result.metric.code}


def _step_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The service names a table's row by its index (``steps[0].threshold``); the form names the line (1, 2, ...)
    of the textarea."""
    named: dict[str, list[str]] = {}
    for name, rules in fields.items():
        match = STEP_FIELD.match(name)
        if match is None:
            named.setdefault(name, []).extend(rules)
            continue
        line = int(match.group(1)) + 1
        what = name.rsplit(".", 1)[-1] if "." in name else ""
        label = {"threshold": gettext("achievement"), "percent": gettext("payment")}.get(what, "")
        named.setdefault("steps", []).extend(
            gettext("Line %(line)s, %(what)s: %(rule)s") % {"line": line, "what": label, "rule": rule}
            if label else gettext("Line %(line)s: %(rule)s") % {"line": line, "rule": rule} for rule in rules)
    return named


class PointAdd(DraftAction):
    form_class = f.PointForm
    title = _("Add an evaluation point")
    intro = _("When the evaluator verifies results: interim points (paid the contract's interim share) and one final "
              "point.")
    submit_label = _("Add the evaluation point")

    def perform(self, form: forms.Form) -> Any:
        return services.point_create(actor=self.actor, contract_id=self._contract().pk, **form.cleaned_data)

    def success_message(self, result: Any) -> str:
        return gettext("Evaluation point %(name)s added.") % {"name": result.name}


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
