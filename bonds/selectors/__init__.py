"""The social impact bonds' reads: what each user may see (``contracts_visible_to``, ``investments_visible_to``),
a contract's position reconciled to its ledger (``contract_position``), and each investor's figures: money multiple
and IRR from its dated flows (``investor_figures``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Value

from core.engines import bonds as engine
from enterprises.roles import STAFF_READERS, evaluator_of, has_role, investor_of
from ledger.models import Account

from .. import accounts as chart
from ..models import (
    CapitalCall,
    CapitalCallLine,
    Contract,
    Disbursement,
    Distribution,
    DistributionLine,
    Investment,
    Metric,
    OutcomePayment,
    Result,
)

ZERO = Decimal(0)


def contracts_visible_to(user: Any) -> QuerySet[Contract]:
    """Staff: every contract; an evaluator: those its institution evaluates; an investor: those its institution
    invests in; an enterprise member: those its enterprise provides the service for; anyone else: none."""
    contracts = Contract.objects.all()
    if has_role(user, *STAFF_READERS):
        return contracts
    if not getattr(user, "is_authenticated", False):
        return contracts.none()
    seen = Q(provider__memberships__user=user)
    evaluator = evaluator_of(user)
    if evaluator is not None:
        seen |= Q(evaluator_id=evaluator)
    investor = investor_of(user)
    if investor is not None:
        seen |= Q(investments__investor_id=investor)
    return contracts.filter(pk__in=Contract.objects.filter(seen).values("pk"))


def investments_visible_to(user: Any) -> QuerySet[Investment]:
    """Staff: every investment; an investor: its own institution's; anyone else: none."""
    investments = Investment.objects.select_related("contract", "investor")
    if has_role(user, *STAFF_READERS):
        return investments
    investor = investor_of(user)
    return investments.none() if investor is None else investments.filter(investor_id=investor)


def own_investor(user: Any) -> int | None:
    """The investing institution whose lines alone ``user`` sees (an investor who is not staff), or None: all."""
    return None if has_role(user, *STAFF_READERS) else investor_of(user)


def metrics_visible_to(user: Any) -> QuerySet[Metric]:
    return (Metric.objects.filter(contract__in=contracts_visible_to(user)).select_related("term")
            .prefetch_related("term__steps").order_by("contract_id", "position", "pk"))


def results_visible_to(user: Any) -> QuerySet[Result]:
    return (Result.objects.filter(metric__contract__in=contracts_visible_to(user))
            .select_related("metric", "point").prefetch_related("evidence").order_by("point__on_date", "metric_id",
                                                                                   "pk"))


def payments_visible_to(user: Any) -> QuerySet[OutcomePayment]:
    return OutcomePayment.objects.filter(contract__in=contracts_visible_to(user)).select_related("point").order_by(
        "contract_id", "paid_on", "pk")


def distributions_visible_to(user: Any) -> QuerySet[Distribution]:
    """Staff: every distribution; an investor: those with a line of its institution (``own_investor`` says which
    lines it sees)."""
    found = Distribution.objects.filter(contract__in=contracts_visible_to(user)).order_by("contract_id", "number")
    investor = own_investor(user)
    if not has_role(user, *STAFF_READERS):
        found = found.none() if investor is None else found.filter(lines__investment__investor_id=investor)
    return found


def calls_of(contract: Contract, user: Any) -> QuerySet[CapitalCall]:
    """A contract's capital calls; an investor's only those with a line of its institution."""
    calls = CapitalCall.objects.filter(contract=contract).order_by("number")
    investor = own_investor(user)
    return calls if investor is None else calls.filter(lines__investment__investor_id=investor)


def disbursements_of(contract: Contract) -> QuerySet[Disbursement]:
    return Disbursement.objects.filter(contract=contract).order_by("number")


@dataclass(frozen=True)
class InvestorFigures:
    """An investor's figures in one contract: paid in, distributed, the money multiple (None before anything was
    paid in), the IRR (XIRR over its dated flows; None when there is none yet) and the flows themselves."""

    investment_id: int
    paid_in: Decimal
    distributed: Decimal
    multiple: Decimal | None
    irr: Decimal | None
    flows: tuple[tuple[date, Decimal], ...]


def flows_of(investment_ids: Iterable[int]) -> dict[int, list[tuple[date, Decimal]]]:
    """Each investment's dated cash flows, read in one query for all of them (a UNION ALL of the paid call lines
    and the distribution lines): each paid call line negative, on its payment day; each distribution line
    positive, on its day; in date order (on one day what was paid in first)."""
    ids = list(dict.fromkeys(investment_ids))
    flows: dict[int, list[tuple[date, Decimal]]] = {pk: [] for pk in ids}
    if not ids:
        return flows
    paid = (CapitalCallLine.objects.filter(investment_id__in=ids, paid_on__isnull=False)
            .order_by().annotate(on=F("paid_on"), sign=Value(-1)).values_list("investment_id", "amount", "on", "sign"))
    got = (DistributionLine.objects.filter(investment_id__in=ids)
           .order_by().annotate(on=F("distribution__paid_on"), sign=Value(1))
           .values_list("investment_id", "amount", "on", "sign"))
    for investment_id, amount, on, sign in paid.union(got, all=True):  # fields first, then annotations
        if on is not None:
            flows[investment_id].append((on, Decimal(amount) * sign))
    for found in flows.values():
        found.sort(key=lambda flow: (flow[0], flow[1]))
    return flows


def investor_flows(investment: Investment) -> list[tuple[date, Decimal]]:
    """The investment's dated cash flows (``flows_of``)."""
    return flows_of([investment.pk])[investment.pk]


def _figures(investment_id: int, flows: list[tuple[date, Decimal]]) -> InvestorFigures:
    paid_in = sum((-amount for _on, amount in flows if amount < 0), ZERO)
    distributed = sum((amount for _on, amount in flows if amount > 0), ZERO)
    return InvestorFigures(investment_id=investment_id, paid_in=paid_in, distributed=distributed,
                           multiple=engine.money_multiple(distributed, paid_in), irr=engine.xirr(flows),
                           flows=tuple(flows))


def investor_figures(investment: Investment) -> InvestorFigures:
    return _figures(investment.pk, investor_flows(investment))


def investors_figures(investments: Iterable[Investment]) -> dict[int, InvestorFigures]:
    """The figures of many investments by id, their flows read in one query whatever their number (a list page
    reads no query per row)."""
    flows = flows_of(inv.pk for inv in investments)
    return {pk: _figures(pk, found) for pk, found in flows.items()}


@dataclass(frozen=True)
class ContractPosition:
    """A contract's money, from its counters and from its ledger (they must agree: ``reconciled``)."""

    committed: Decimal
    called: Decimal
    paid_in: Decimal
    disbursed: Decimal
    outcome_paid: Decimal
    distributed: Decimal
    cash: Decimal
    budget_left: Decimal
    reconciled: bool


def contract_position(contract: Contract) -> ContractPosition:
    balances: dict[str, Decimal] = dict(Account.objects.filter(book_id=contract.book_id)
                                        .values_list("code", "balance"))
    capital = sum((b for code, b in balances.items() if code.startswith("capital:")), ZERO)
    distributed = sum((b for code, b in balances.items() if code.startswith("distributed:")), ZERO)
    cash = balances[chart.CASH]
    counters = (contract.paid_in.amount, contract.disbursed.amount, contract.outcome_paid.amount,
                contract.distributed.amount)
    ledger = (capital, balances[chart.SERVICE_DISBURSED], balances[chart.OUTCOME_INCOME], distributed)
    return ContractPosition(
        committed=contract.committed.amount, called=contract.called.amount, paid_in=counters[0],
        disbursed=counters[1], outcome_paid=counters[2], distributed=counters[3], cash=cash,
        budget_left=balances[chart.OUTCOME_BUDGET],
        reconciled=counters == ledger and cash == counters[0] + counters[2] - counters[1] - counters[3])


# --- the pages' reads: inboxes, a contract's parts ---------------------------------------------------------------


def bond_inbox_for(user: Any) -> dict[str, Any]:
    """What waits for a manager (for an auditor: what waits for anyone, read only): draft contracts to sign and
    outcome payments to approve that another manager prepared, and what this manager prepared that waits for
    another (four eyes, visible)."""
    from enterprises.roles import Role

    from ..models import OutcomePayment

    acts = has_role(user, Role.FUND_MANAGER, Role.ADMIN)
    me = getattr(user, "pk", None)
    drafts = list(Contract.objects.filter(state=Contract.State.DRAFT).select_related("provider").order_by("pk"))
    payments = list(OutcomePayment.objects.filter(state=OutcomePayment.State.PREPARED)
                    .select_related("contract", "point", "prepared_by").order_by("pk"))
    # one read each, split here: what another prepared (this manager acts on it), what this manager prepared
    inbox: dict[str, Any] = {
        "acts": acts,
        "to_sign": [c for c in drafts if not acts or c.prepared_by_id != me],
        "to_approve": [p for p in payments if not acts or p.prepared_by_id != me],
        "prepared_by_me": [c for c in drafts if acts and c.prepared_by_id == me],
        "payments_by_me": [p for p in payments if acts and p.prepared_by_id == me],
    }
    inbox["count"] = len(inbox["to_sign"]) + len(inbox["to_approve"])
    inbox["waiting_for_others"] = len(inbox["prepared_by_me"]) + len(inbox["payments_by_me"])
    return inbox


def results_to_confirm_for(user: Any) -> QuerySet[Any]:
    """The recorded results of the evaluator's institution's contracts that another evaluator recorded: this one
    may confirm them (four eyes)."""
    from ..models import Result

    evaluator = evaluator_of(user)
    if evaluator is None:
        return Result.objects.none()
    return (Result.objects.filter(metric__contract__evaluator_id=evaluator, state=Result.State.RECORDED)
            .exclude(recorded_by=user).select_related("metric__contract", "point", "recorded_by")
            .order_by("recorded_at", "pk"))
