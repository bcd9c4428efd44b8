"""Outcome payments and distributions.

- ``payment_quote``: what a metric's terms would pay for a result (pure: changes nothing).
- ``outcome_payment_prepare``: a manager works out the payment due at an evaluation point from its confirmed
  results with ``core.engines.bonds.payment_due`` (each metric's terms, the interim share, what was already paid,
  never above the budget cap).
- ``outcome_payment_approve``: another manager approves it (four eyes) and it is posted from the city's outcome
  budget, a no-overdraft account (Dr ``cash`` / Cr ``income:outcomes``; Dr ``outcome:appropriation`` / Cr
  ``outcome:budget``); the final one settles the contract.
- ``distribution_make``: the contract's cash paid to its investors, pro rata to paid-in capital or senior/junior by
  the engine (Dr ``distributed:<investor>`` / Cr ``cash``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, backdating_limit, check_date, check_money_date
from core.db import transactional
from core.engines import bonds as engine
from core.engines.rounding import Rounding
from core.errors import InsufficientFunds, InvalidState, NotFound
from core.inputs import check_key, digest
from core.money import KRW, format_won, won_input
from enterprises.models import User
from ledger.services import Line, credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import DISTRIBUTION_MAKE, PAYMENT_APPROVE, PAYMENT_PREPARE
from ..locks import contract_id_of, lock_contract, lock_investments
from ..models import (
    Contract,
    Distribution,
    DistributionLine,
    DistributionMode,
    EvaluationPoint,
    Metric,
    OutcomePayment,
    PaymentTerm,
    Result,
)
from .common import ZERO, State, check_replay, count_input, fail, require_state, rounding, sees_contract

PAYMENT_AUDITED = ["contract", "point", "state", "final", "earned", "payable", "already_paid", "cap_left", "amount",
                   "capped", "overpaid", "paid_on", "prepared_by", "approved_by", "journal"]


# --- what the terms pay -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricPayment:
    """What one metric's terms pay for a result: the achievement rate (a table's), the amount, the percent of the
    principal (a table's) or the units paid for (a rate card's), and whether the cap held it down."""

    metric_id: int
    kind: str
    achievement: Decimal | None
    amount: Decimal
    percent: Decimal | None
    units_paid: Decimal | None
    capped: bool

    def as_json(self) -> dict[str, Any]:
        return {"metric": self.metric_id, "kind": self.kind,
                "achievement": None if self.achievement is None else str(self.achievement),
                "amount": int(self.amount), "percent": None if self.percent is None else str(self.percent),
                "units_paid": None if self.units_paid is None else str(self.units_paid), "capped": self.capped}


def _pay(term: PaymentTerm, rule: Rounding, *, engaged: int, with_outcome: int, units: int) -> MetricPayment:
    terms = term.engine_terms(rule)
    if isinstance(terms, engine.RateCard):
        paid = terms.pay(units=Decimal(units))
        return MetricPayment(term.metric_id, term.kind, None, paid.amount, None, paid.units_paid, paid.capped)
    # Nobody engaged is no achievement at all (the engine's rate needs someone engaged).
    achievement = engine.achievement_rate(with_outcome, engaged) if engaged else Decimal(0)
    paid = terms.pay(principal=term.principal.amount, achievement=achievement)
    return MetricPayment(term.metric_id, term.kind, achievement, paid.amount, paid.percent, None, paid.capped)


def payment_quote(*, actor: User, metric_id: int, engaged: int, achieved: int,
                  units: int | None = None) -> MetricPayment:
    """What the metric's payment term would pay if ``achieved`` of ``engaged`` people reached the outcome (and, for a
    rate card, ``units`` verified units: ``achieved`` unless given). Pure: changes nothing. A contract the actor may
    not see is not found. Raises Forbidden, NotFound, ValidationFailed."""
    ACCESS.require(actor, "payment.quote")
    counts = (count_input(engaged, "engaged"), count_input(achieved, "achieved"))
    if counts[1] > counts[0]:
        raise fail("achieved", _("More people with the outcome than engaged."),
                   _("at most the number engaged (%(engaged)s)") % {"engaged": counts[0]})
    metric = (Metric.objects.select_related("contract").filter(pk=metric_id).first()
              if isinstance(metric_id, int) and not isinstance(metric_id, bool) else None)
    if metric is None or not sees_contract(actor, metric.contract):
        raise NotFound(_("No such outcome metric."))
    term = PaymentTerm.objects.filter(metric=metric).first()
    if term is None:
        raise InvalidState(_("This metric has no payment term yet."))
    verified = counts[1] if units is None else count_input(units, "units")
    return _pay(term, rounding(metric.contract), engaged=counts[0], with_outcome=counts[1], units=verified)


# --- outcome payments --------------------------------------------------------------------------------------------


def _earned(contract: Contract, point: EvaluationPoint) -> tuple[Decimal, list[MetricPayment]]:
    """What the confirmed results at ``point`` earn under the metrics' terms. Raises InvalidState when a metric's
    result there is missing or not confirmed."""
    rule = rounding(contract)
    metrics = list(Metric.objects.filter(contract=contract).select_related("term").order_by("position", "pk"))
    results = {r.metric_id: r for r in Result.objects.filter(point=point, metric__contract=contract)}
    paid: list[MetricPayment] = []
    for metric in metrics:
        result = results.get(metric.pk)
        if result is None or result.state != Result.State.CONFIRMED:
            raise InvalidState(_("The result of metric %(metric)s at %(point)s is not confirmed yet.")
                               % {"metric": metric.code, "point": point.name})
        paid.append(_pay(metric.term, rule, engaged=result.engaged, with_outcome=result.with_outcome,
                         units=result.units))
    return sum((one.amount for one in paid), ZERO), paid


@transactional
def outcome_payment_prepare(*, actor: User, point_id: int, paid_on: date, today: date) -> OutcomePayment:
    """A manager works out the outcome payment due at an evaluation point, to be paid on ``paid_on`` (not before
    the point, within the back-dating window), from its confirmed results: an interim point while the contract is
    in service or evaluating (nothing is due unless the contract gives an interim share), the final point once it is
    evaluating (it settles, even when nothing more is due). Never above the budget cap left. One prepared payment per
    contract at a time, one payment per point. Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "payment.prepare")
    contract = lock_contract(contract_id_of(EvaluationPoint, point_id))
    point = EvaluationPoint.objects.get(pk=point_id)
    final = point.kind == EvaluationPoint.Kind.FINAL
    if final:
        require_state(contract, _("Preparing the final outcome payment"), State.EVALUATING)
    else:
        require_state(contract, _("Preparing an interim outcome payment"), State.IN_SERVICE, State.EVALUATING)
    if OutcomePayment.objects.filter(point=point).exists():
        raise InvalidState(_("An outcome payment was already prepared for %(point)s.") % {"point": point.name})
    if OutcomePayment.objects.filter(contract=contract, state=OutcomePayment.State.PREPARED).exists():
        raise InvalidState(_("Another outcome payment of this contract awaits approval."))
    check_date(paid_on, field="paid_on", earliest=[Limit(point.on_date, _("the evaluation point")),
                                                   backdating_limit(today)])
    earned, by_metric = _earned(contract, point)
    due = engine.payment_due(earned=earned, already_paid=contract.outcome_paid.amount,
                             max_payment=contract.max_payment.amount, final=final,
                             interim_percent=contract.interim_percent, rounding=rounding(contract))
    if not final and not due.due:
        raise InvalidState(_("Nothing is due at this interim evaluation (the terms pay %(percent)s %% of interim "
                             "results).") % {"percent": contract.interim_percent})
    payment = OutcomePayment.objects.create(
        contract=contract, point=point, final=final, earned=Money(due.earned, KRW), payable=Money(due.payable, KRW),
        already_paid=Money(due.already_paid, KRW), cap_left=Money(due.cap_left, KRW), amount=Money(due.due, KRW),
        capped=due.capped, overpaid=Money(due.overpaid, KRW), breakdown=[one.as_json() for one in by_metric],
        paid_on=paid_on, prepared_by=actor, prepared_at=timezone.now())
    audit_record(actor=actor, action=PAYMENT_PREPARE, obj=payment,
                 after={**snapshot(payment, PAYMENT_AUDITED), "breakdown": payment.breakdown})
    return payment


@transactional
def outcome_payment_approve(*, actor: User, payment_id: int, idempotency_key: str,
                            today: date) -> tuple[OutcomePayment, bool]:
    """A manager other than the one who prepared it approves a prepared outcome payment on its payment date or
    later, and it is paid from the city's outcome budget (a no-overdraft account: never past the cap) into the
    contract's cash; the final payment settles the contract. Returns the payment and whether it was paid now (the
    same manager and key give it back). Raises Forbidden, NotFound, InvalidState, InsufficientFunds,
    ValidationFailed."""
    ACCESS.require(actor, "payment.approve")
    key = check_key(idempotency_key)
    contract = lock_contract(contract_id_of(OutcomePayment, payment_id))
    payment = OutcomePayment.objects.select_for_update(no_key=True, of=("self",)).select_related("point").get(
        pk=payment_id)
    if payment.state == OutcomePayment.State.PAID:
        if payment.payment_key == key and payment.approved_by_id == actor.pk:
            return payment, False
        raise InvalidState(_("This outcome payment was already approved and paid."))
    if payment.prepared_by_id == actor.pk:
        raise InvalidState(_("The manager who prepared an outcome payment may not approve it (four eyes)."),
                           fields={"prepared_by": [_("another manager must approve it (four eyes)")]})
    if payment.final:
        require_state(contract, _("Approving the final outcome payment"), State.EVALUATING)
    else:
        require_state(contract, _("Approving an interim outcome payment"), State.IN_SERVICE, State.EVALUATING)
    if payment.paid_on > today:
        raise InvalidState(_("The payment is prepared for %(date)s; it can be approved from that day.")
                           % {"date": payment.paid_on.isoformat()})
    check_money_date(payment.paid_on, field="paid_on", today=today)
    amount = payment.amount.amount
    if payment.already_paid.amount != contract.outcome_paid.amount:  # cannot happen: one prepared at a time
        raise InvalidState(_("Payments were made since this one was prepared; prepare it again."))
    before = snapshot(payment, PAYMENT_AUDITED)
    if amount:
        budget = chart.account(contract.book, chart.OUTCOME_BUDGET)
        if budget.balance.amount < amount:
            raise InsufficientFunds(
                _("The city's outcome budget has %(left)s left; the payment needs %(amount)s.")
                % {"left": format_won(budget.balance.amount), "amount": format_won(amount)},
                fields={"amount": [_("at most the budget left, %(left)s")
                                   % {"left": format_won(budget.balance.amount)}]})
        posted = journal_post(
            lines=[debit(chart.account(contract.book, chart.CASH), amount),
                   credit(chart.account(contract.book, chart.OUTCOME_INCOME), amount),
                   debit(chart.account(contract.book, chart.OUTCOME_APPROPRIATION), amount), credit(budget, amount)],
            kind="bond.outcome_payment", effective_date=payment.paid_on,
            idempotency_key=f"bond-payment:{payment.pk}:paid", actor=actor,
            memo=f"성과보상금 {contract.name} {payment.point.name}"[:500])
        payment.journal = posted.journal
        contract.outcome_paid = Money(contract.outcome_paid.amount + amount, KRW)
    payment.state = OutcomePayment.State.PAID
    payment.approved_by, payment.approved_at, payment.payment_key = actor, timezone.now(), key
    payment.save()
    fields = ["outcome_paid"]
    if payment.final:
        contract.state, contract.settled_on = State.SETTLED, payment.paid_on
        fields += ["state", "settled_on"]
    contract.save(update_fields=fields)
    audit_record(actor=actor, action=PAYMENT_APPROVE, obj=payment, before=before,
                 after={**snapshot(payment, PAYMENT_AUDITED), "contract_state": contract.state})
    return payment, True


# --- distributions -----------------------------------------------------------------------------------------------


@transactional
def distribution_make(*, actor: User, contract_id: int, amount: Any, paid_on: date, idempotency_key: str,
                      today: date) -> tuple[Distribution, bool]:
    """Pay ``amount`` of the contract's cash to its investors on ``paid_on`` (not in the future, within the
    back-dating window): pro rata to paid-in capital (``core.engines.bonds.distribute``) or, for a contract with
    classes, senior principal, senior return, junior principal, then the rest (``distribute_by_class``); each share
    rounded down to the contract's unit, the leftover to the named investor. Never more than the cash. Returns the
    distribution and whether it is new (the same manager, key and content give the first one back). Raises
    Forbidden, NotFound, InvalidState, ValidationFailed, InsufficientFunds, IdempotencyConflict."""
    ACCESS.require(actor, "distribution.make")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    contract = lock_contract(contract_id)
    existing = Distribution.objects.filter(contract=contract, idempotency_key=key).first()
    if existing is not None:
        check_replay(existing, actor, amount=value, paid_on=paid_on)
        return existing, False
    require_state(contract, _("Distributing to investors"), State.IN_SERVICE, State.EVALUATING, State.SETTLED)
    check_money_date(paid_on, field="paid_on", today=today)
    cash = chart.account(contract.book, chart.CASH)
    if cash.balance.amount < value:
        raise InsufficientFunds(
            _("The contract's cash holds %(cash)s; the distribution needs %(amount)s.")
            % {"cash": format_won(cash.balance.amount), "amount": format_won(value)},
            fields={"amount": [_("at most the contract's cash, %(cash)s") % {"cash": format_won(cash.balance.amount)}]})
    investments = lock_investments(contract)
    leftover = contract.leftover_investor_id
    assert leftover is not None
    parts: dict[int, tuple[Decimal, Decimal, Decimal]] = {}  # investor -> principal, senior return, rest
    steps: list[list[Any]] = []
    try:
        if contract.distribution_mode == DistributionMode.CLASSES:
            shared = engine.distribute_by_class(
                value, [engine.Holding(investor=inv.investor_id, share_class=inv.share_class,
                                       paid_in=inv.paid_in.amount, principal_returned=inv.principal_returned.amount,
                                       return_paid=inv.return_paid.amount) for inv in investments],
                leftover_to=leftover, senior_return_percent=contract.senior_return_percent,
                senior_share_of_rest=contract.senior_share_of_rest, unit=Decimal(contract.rounding_unit),
                rounding=rounding(contract))
            for by_class in shared.shares:
                parts[by_class.investor] = (by_class.principal, by_class.senior_return, by_class.rest)
            steps = [[name, int(amount_)] for name, amount_ in shared.steps]
        else:
            split = engine.distribute(value, [(inv.investor_id, inv.paid_in.amount) for inv in investments],
                                      leftover_to=leftover, unit=Decimal(contract.rounding_unit))
            for inv in investments:
                share = split[inv.investor_id]
                principal = min(share, inv.paid_in.amount - inv.principal_returned.amount)
                parts[inv.investor_id] = (principal, ZERO, share - principal)
    except ValueError as exc:  # nobody has paid in, a class missing: the engine says which
        raise InvalidState(_("The distribution cannot be shared out: %(reason)s.") % {"reason": exc}) from None
    lines: list[Line] = []
    rows: list[DistributionLine] = []
    for inv in investments:
        principal, senior_return, rest = parts.get(inv.investor_id, (ZERO, ZERO, ZERO))
        total = principal + senior_return + rest
        if not total:
            continue
        lines.append(debit(inv.distribution_account_id, total))
        rows.append(DistributionLine(investment=inv, amount=Money(total, KRW), principal=Money(principal, KRW),
                                     senior_return=Money(senior_return, KRW), rest=Money(rest, KRW)))
        inv.distributed = Money(inv.distributed.amount + total, KRW)
        inv.principal_returned = Money(inv.principal_returned.amount + principal, KRW)
        inv.return_paid = Money(inv.return_paid.amount + senior_return, KRW)
        inv.save(update_fields=["distributed", "principal_returned", "return_paid"])
    lines.append(credit(cash, value))
    posted = journal_post(lines=lines, kind="bond.distribution", effective_date=paid_on,
                          idempotency_key=f"bond:{contract.pk}:distribution:{digest(key)}", actor=actor,
                          memo=f"투자자 배분 {contract.name}"[:500])
    distribution = Distribution.objects.create(
        contract=contract, number=Distribution.objects.filter(contract=contract).count() + 1,
        amount=Money(value, KRW), paid_on=paid_on, mode=contract.distribution_mode, steps=steps,
        journal=posted.journal, idempotency_key=key, created_by=actor)
    for row in rows:
        row.distribution = distribution
    DistributionLine.objects.bulk_create(rows)
    contract.distributed = Money(contract.distributed.amount + value, KRW)
    contract.save(update_fields=["distributed"])
    audit_record(actor=actor, action=DISTRIBUTION_MAKE, obj=distribution,
                 after={**snapshot(distribution, ["contract", "number", "amount", "paid_on", "mode", "journal"]),
                        "lines": {str(row.investment.investor_id): int(row.amount.amount) for row in rows}})
    return distribution, True
