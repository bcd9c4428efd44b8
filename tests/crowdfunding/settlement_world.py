"""Rows for the settlement's tests, made directly with their journals posted as the contest's chart says (the pledge
and matching services are tested on their own): pledges charged, refunded, declined for good, cancelled, released
or still reserved; matches drawn from a pool's funders and held for a campaign (or returned); a campaign closed at
its deadline. The campaign ends on 2026-06-20 (``CAMPAIGN_ENDS``), the funding phase on 2026-06-30.

- a charge: Dr provider:receivable / Cr campaign:<id>:pledges; a refund: the reverse;
- a match: Dr campaign:<id>:matched / Cr pool:<pool>:funder:<inst>; a match returned: the reverse.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from crowdfunding import accounts as chart
from crowdfunding.models import BackerTotal, Campaign, Match, MatchingPool, Pledge, PoolFunder
from enterprises.models import User
from ledger.models import Account, Book
from ledger.services import credit, debit, journal_post
from tests.factories import UserFactory

from .campaign_factories import CAMPAIGN_ENDS

CHARGED_ON = CAMPAIGN_ENDS + timedelta(days=1)  # an all-or-nothing campaign's charges run the day after its end
SETTLE_ON = date(2026, 6, 25)
AFTER_FUNDING = date(2026, 7, 1)  # the standard contest's funding phase ends on 2026-06-30
_orders = itertools.count(1)


def _book(campaign: Campaign) -> Book:
    return campaign.contest.book


def pledges_account(campaign: Campaign) -> Account:
    code = chart.campaign_pledges_code(campaign.pk)
    return chart.opened(_book(campaign), code, code, "liability")


def matched_account(campaign: Campaign) -> Account:
    code = chart.campaign_matched_code(campaign.pk)
    return chart.opened(_book(campaign), code, code, "asset", no_overdraft=True)


def receivable(campaign: Campaign) -> Account:
    return chart.opened(_book(campaign), chart.PROVIDER_RECEIVABLE, "provider receivable", "asset")


def balance(campaign: Campaign, code: str) -> int:
    found = Account.objects.filter(book=_book(campaign), code=code).first()
    return 0 if found is None else int(found.balance.amount)


def pledge(campaign: Campaign, amount: int, state: str, *, backer: User | None = None, **fields: Any) -> Pledge:
    """A pledge row in ``state``, with the backer's totals (no journal: see ``charged``)."""
    backer = backer or UserFactory()
    n = next(_orders)
    made = Pledge.objects.create(campaign=campaign, backer=backer, amount=amount, state=state,
                                 order_id=f"settle-{campaign.pk}-{n}", idempotency_key=f"k-{n}", **fields)
    total, _created = BackerTotal.objects.get_or_create(campaign=campaign, backer=backer)
    if made.is_live:
        total.pledged = total.pledged.amount + amount
        total.live_pledges += 1
        total.save()
        Campaign.objects.filter(pk=campaign.pk).update(pledged=campaign.pledged.amount + amount)
        campaign.refresh_from_db()
    return made


def _post_charge(made: Pledge, on: date) -> None:
    campaign = made.campaign
    journal_post(lines=[debit(receivable(campaign), made.amount.amount),
                        credit(pledges_account(campaign), made.amount.amount)],
                 kind="pledge.charge", effective_date=on, idempotency_key=f"test-charge:{made.pk}")


def charged(campaign: Campaign, amount: int, *, on: date = CHARGED_ON, **fields: Any) -> Pledge:
    """A charged pledge and its charge's journal."""
    made = pledge(campaign, amount, Pledge.State.CHARGED, charged_on=on, charge_attempts=1, **fields)
    _post_charge(made, on)
    return made


def refunded(campaign: Campaign, amount: int, *, on: date = CHARGED_ON, refunded_on: date | None = None,
             **fields: Any) -> Pledge:
    """A pledge charged on ``on`` and refunded on ``refunded_on`` (default: two days after the end), with both
    journals."""
    when = refunded_on or CAMPAIGN_ENDS + timedelta(days=2)
    made = pledge(campaign, amount, Pledge.State.REFUNDED, charged_on=on, cancelled_on=when, charge_attempts=1,
                  **fields)
    _post_charge(made, on)
    journal_post(lines=[debit(pledges_account(campaign), amount), credit(receivable(campaign), amount)],
                 kind="pledge.refund", effective_date=when, idempotency_key=f"test-refund:{made.pk}")
    return made


def declined(campaign: Campaign, amount: int, **fields: Any) -> Pledge:
    """An all-or-nothing pledge whose charge was declined four times, then cancelled (no money moved)."""
    return pledge(campaign, amount, Pledge.State.CANCELLED, charge_attempts=4,
                  cancelled_on=CAMPAIGN_ENDS + timedelta(days=4), failure_code="REJECT_CARD_COMPANY", **fields)


def cancelled(campaign: Campaign, amount: int, **fields: Any) -> Pledge:
    """A reserved pledge the backer cancelled before the deadline (no money moved)."""
    return pledge(campaign, amount, Pledge.State.CANCELLED, cancelled_on=CAMPAIGN_ENDS - timedelta(days=5),
                  **fields)


def funder_of(pool: MatchingPool, position: int = 0) -> PoolFunder:
    return pool.funders.order_by("position", "pk")[position]


def matched(pool: MatchingPool, campaign: Campaign, amount: int, *, kind: str = Match.Kind.PLEDGE,
            of: Pledge | None = None, funder: PoolFunder | None = None, on: date = CAMPAIGN_ENDS) -> Match:
    """A match drawn from one funder of ``pool`` and held for ``campaign``, with its journal; the counters moved."""
    funder = funder or funder_of(pool)
    n = next(_orders)
    posted = journal_post(lines=[debit(matched_account(campaign), amount), credit(funder.account, amount)],
                          kind="pool.match", effective_date=on, idempotency_key=f"test-match:{n}")
    made = Match.objects.create(pool=pool, funder=funder, campaign=campaign, pledge=of, kind=kind, amount=amount,
                                on_date=on, journal=posted.journal)
    Campaign.objects.filter(pk=campaign.pk).update(matched=campaign.matched.amount + amount)
    campaign.refresh_from_db()
    if of is not None:
        Pledge.objects.filter(pk=of.pk).update(matched=of.matched.amount + amount)
        of.refresh_from_db()
        total = BackerTotal.objects.get(campaign=campaign, backer_id=of.backer_id)
        total.matched = total.matched.amount + amount
        total.save(update_fields=["matched"])
    return made


def returned(match: Match, *, on: date) -> Match:
    """The match given back to its funder (its pledge stopped being live), with its journal."""
    posted = journal_post(lines=[debit(match.funder.account, match.amount.amount),
                                 credit(matched_account(match.campaign), match.amount.amount)],
                          kind="pool.match_return", effective_date=on, idempotency_key=f"test-return:{match.pk}")
    match.state, match.returned_journal = Match.State.RETURNED, posted.journal
    match.save(update_fields=["state", "returned_journal"])
    Campaign.objects.filter(pk=match.campaign_id).update(matched=match.campaign.matched.amount - match.amount.amount)
    return match


def close(campaign: Campaign, state: str, *, on: date = CHARGED_ON) -> Campaign:
    """The campaign past its deadline: succeeded or failed."""
    Campaign.objects.filter(pk=campaign.pk).update(state=state, closed_on=on)
    campaign.refresh_from_db()
    return campaign
