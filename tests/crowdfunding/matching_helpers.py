"""What the matching pools' tests share: a pledge written as the pledge service's transaction writes it (the campaign
and the backer's total locked, the pledge row, the counters moved) with its match drawn, and given back; the ledger's
balances of a pool's funders; and the ledger recomputed clean.

The pledge here has no payment provider behind it (the pledges' own tests cover that): it is what ``match_pledge`` is
given by its caller, so the matching is tested on its own.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from djmoney.money import Money

from crowdfunding import accounts as chart
from crowdfunding.models import BackerTotal, Campaign, Match, MatchingPool, Pledge
from crowdfunding.services import match_pledge, return_pledge_match
from ledger.models import Account
from ledger.selectors import ledger_check

PLEDGED_ON = date(2026, 5, 1)
_orders = itertools.count(1)


def krw(amount: int | Decimal) -> Money:
    return Money(amount, "KRW")


def pledge(campaign: Campaign, backer: Any, amount: int, *, on: date = PLEDGED_ON,
           state: str = Pledge.State.RESERVED) -> Pledge:
    """A live pledge of ``backer`` to ``campaign``, matched: in one transaction, as the pledge service does it."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update(no_key=True).select_related("contest__book").get(pk=campaign.pk)
        total, _new = BackerTotal.objects.select_for_update(no_key=True).get_or_create(campaign=locked, backer=backer)
        number = next(_orders)
        made = Pledge.objects.create(campaign=locked, backer=backer, amount=krw(amount), state=state,
                                     order_id=f"T-{locked.pk}-{number}", idempotency_key=f"pledge-{number}",
                                     charged_on=on if state == Pledge.State.CHARGED else None)
        locked.pledged = krw(locked.pledged.amount + amount)
        if state == Pledge.State.CHARGED:
            locked.charged = krw(locked.charged.amount + amount)
        if total.live_pledges == 0:
            locked.backers += 1
        total.pledged = krw(total.pledged.amount + amount)
        total.live_pledges += 1
        locked.save(update_fields=["pledged", "charged", "backers"])
        total.save(update_fields=["pledged", "live_pledges"])
        match_pledge(pledge=made, campaign=locked, backer_total=total, on_date=on)
    made.refresh_from_db()
    return made


def cancel(made: Pledge, *, on: date = PLEDGED_ON) -> Decimal:
    """The pledge cancelled as the pledge service cancels it, its match given back."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update(no_key=True).select_related("contest__book").get(
            pk=made.campaign_id)
        total = BackerTotal.objects.select_for_update(no_key=True).get(campaign=locked, backer_id=made.backer_id)
        row = Pledge.objects.select_for_update(no_key=True).get(pk=made.pk)
        row.state = Pledge.State.CANCELLED
        row.save(update_fields=["state"])
        locked.pledged = krw(locked.pledged.amount - row.amount.amount)
        total.pledged = krw(total.pledged.amount - row.amount.amount)
        total.live_pledges -= 1
        if total.live_pledges == 0:
            locked.backers -= 1
        locked.save(update_fields=["pledged", "backers"])
        total.save(update_fields=["pledged", "live_pledges"])
        returned = return_pledge_match(pledge=row, campaign=locked, backer_total=total, on_date=on,
                                       reason="후원 취소 (cancelled)")
    made.refresh_from_db()
    return returned


def funder_balances(pool: MatchingPool) -> list[Decimal]:
    """What each funder of the pool holds, in the pool's order."""
    return [Account.objects.get(pk=f.account_id).balance.amount for f in pool.funders.order_by("position", "pk")]


def matched_balance(campaign: Campaign) -> Decimal:
    found = Account.objects.filter(book=campaign.contest.book, code=chart.campaign_matched_code(campaign.pk)).first()
    return found.balance.amount if found else Decimal(0)


def drawn_by_funder(made: Pledge) -> list[Decimal]:
    """The pledge's held matches, by funder in the pool's order."""
    return [m.amount.amount for m in Match.objects.filter(pledge=made, state="held").order_by("funder__position")]


def ledger_is_clean() -> None:
    report = ledger_check()
    assert report.ok, report.problems
