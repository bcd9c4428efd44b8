"""What guarantees stood behind on past days, rebuilt from their histories (for statements and charts of capacity
use over time): the program's ``committed`` counter only says what is used now.

A guarantee holds part of its program's capacity from its approval (the approved amount x ratio) until the bank
lends; then the loan's reported balance x ratio (``GuaranteeBalance``: each report from its day on, 0 once repaid);
at default the balance then reported x ratio, until its claim is paid (대위변제: nothing from the payment date); a
cancelled guarantee holds nothing from the day it was cancelled. Each amount is floored to the won
(``core.engines.capacity.guaranteed_share``), as the services set ``Guarantee.guaranteed``, so that rebuilt on the
day of the last event it is ``guaranteed`` itself, and summed over a program ``committed``.

A guarantee counts from the earlier of its approval day (KST) and the first day of its loan's balance history (a loan
reported as made before the approval was recorded).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from core.engines.capacity import guaranteed_share

from ..models import Claim, Guarantee, GuaranteeBalance

ZERO = Decimal(0)


@dataclass
class GuaranteedPath:
    """One guarantee's guaranteed amount over time: ``steps`` are (first day, amount from that day), in order;
    before the first, nothing."""

    guarantee_id: int
    steps: list[tuple[date, Decimal]] = field(default_factory=list)

    def on(self, day: date) -> Decimal:
        """What the guarantee stood behind at the end of ``day``."""
        index = bisect.bisect_right([step[0] for step in self.steps], day)
        return self.steps[index - 1][1] if index else ZERO


@dataclass
class LoanPath:
    """The bank loan's reported balance over time (``GuaranteeBalance`` rows: the last reported on or before a day
    is in force), for statements that print the loan's balance at a period's end."""

    steps: list[tuple[date, Decimal]] = field(default_factory=list)

    def on(self, day: date) -> Decimal | None:
        index = bisect.bisect_right([step[0] for step in self.steps], day)
        return self.steps[index - 1][1] if index else None


def _approval_day(guarantee: Guarantee) -> date:
    return timezone.localtime(guarantee.approved_at).date()


def guaranteed_paths(guarantees: QuerySet[Guarantee] | Iterable[Guarantee]) -> dict[int, GuaranteedPath]:
    """Each guarantee's guaranteed amount over time, from three queries however many guarantees: the guarantees,
    their reported balances, their paid claims."""
    rows = list(guarantees)
    ids = [g.pk for g in rows]
    balances: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for guarantee_id, on, balance in (GuaranteeBalance.objects.filter(guarantee_id__in=ids)
                                      .order_by("guarantee_id", "on_date", "id")
                                      .values_list("guarantee_id", "on_date", "balance")):
        balances[guarantee_id].append((on, Decimal(balance)))
    claimed = dict(Claim.objects.filter(guarantee_id__in=ids, state=Claim.State.PAID)
                   .values_list("guarantee_id", "paid_on"))
    paths = {}
    for guarantee in rows:
        history = balances.get(guarantee.pk, [])
        first = min([_approval_day(guarantee), *(on for on, _b in history[:1])])
        events = [(first, guaranteed_share(guarantee.approved_amount.amount, guarantee.ratio))]
        events += [(on, guaranteed_share(balance, guarantee.ratio)) for on, balance in history]
        if guarantee.state == Guarantee.State.CANCELLED and guarantee.closed_on is not None:
            events.append((guarantee.closed_on, ZERO))
        paid_on = claimed.get(guarantee.pk)
        if paid_on is not None:
            events.append((paid_on, ZERO))
        # by day; of one day's events the last one stands (they are listed in the order they happened)
        steps: list[tuple[date, Decimal]] = []
        for _index, (on, amount) in sorted(enumerate(events), key=lambda e: (e[1][0], e[0])):
            if steps and steps[-1][0] == on:
                steps[-1] = (on, amount)
            elif not steps or steps[-1][1] != amount:
                steps.append((on, amount))
        paths[guarantee.pk] = GuaranteedPath(guarantee.pk, steps)
    return paths


def loan_paths(guarantees: Iterable[Guarantee]) -> dict[int, LoanPath]:
    """Each guarantee's bank loan balance over time, as reported (one query)."""
    ids = [g.pk for g in guarantees]
    paths: dict[int, LoanPath] = {guarantee_id: LoanPath() for guarantee_id in ids}
    for guarantee_id, on, balance in (GuaranteeBalance.objects.filter(guarantee_id__in=ids)
                                      .order_by("guarantee_id", "on_date", "id")
                                      .values_list("guarantee_id", "on_date", "balance")):
        steps = paths[guarantee_id].steps
        if steps and steps[-1][0] == on:
            steps[-1] = (on, Decimal(balance))
        else:
            steps.append((on, Decimal(balance)))
    return paths


def used_on(paths: Iterable[GuaranteedPath], days: Iterable[date]) -> dict[date, Decimal]:
    """What the guarantees stood behind together at the end of each of ``days``: the capacity in use."""
    changes: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for path in paths:
        held = ZERO
        for on, amount in path.steps:
            changes[on] += amount - held
            held = amount
    moves = sorted(changes.items())
    result: dict[date, Decimal] = {}
    used, index = ZERO, 0
    for day in sorted(set(days)):
        while index < len(moves) and moves[index][0] <= day:
            used += moves[index][1]
            index += 1
        result[day] = used
    return result
