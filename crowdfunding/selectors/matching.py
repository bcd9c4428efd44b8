"""Reads of the matching pools (매칭 펀드): who sees them, each funder's money (committed, paid in, drawn, returned,
available on the ledger) and the pool's totals, and the quadratic funding preview of a contest (what each quadratic
pool would give each campaign if it were shared now, from the live pledges), which changes nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, localcontext
from typing import Any

from django.db.models import Q, QuerySet, Sum

from core.engines.matching import PledgeRule, quadratic, raw_value
from enterprises.roles import STAFF_READERS, has_role

from ..models import BackerTotal, Campaign, Match, MatchingPool, Phase, PoolFunder, PoolReturn, PoolRule

ZERO = Decimal(0)
SQRT_PLACES = Decimal("0.01")  # the preview's sum of square roots is shown to 2 decimals (the match is exact)


def pools_visible_to(user: Any) -> QuerySet[MatchingPool]:
    """Staff: every pool. Anyone else: none."""
    if getattr(user, "is_authenticated", False) and has_role(user, *STAFF_READERS):
        return MatchingPool.objects.all()
    return MatchingPool.objects.none()


def pool_returns_visible_to(user: Any) -> QuerySet[PoolReturn]:
    """The returns of the pools the user sees (staff: all), with their funder's institution."""
    return (PoolReturn.objects.filter(funder__pool__in=pools_visible_to(user).values("pk"))
            .select_related("funder__institution", "funder__pool"))


def returns_of(pool: MatchingPool) -> list[PoolReturn]:
    """A settled pool's returns to its funders, in the funders' order, with whether each was paid."""
    return list(PoolReturn.objects.filter(funder__pool=pool).select_related("funder__institution")
                .order_by("funder__position", "funder_id"))


def pool_changeable(pool: MatchingPool) -> bool:
    """Whether ``pool_update`` would take a change now: the pool open, no match drawn from it, its contest's
    funding phase not over (the service checks the same under the pool's lock)."""
    contest = pool.contest
    return (pool.state == MatchingPool.State.OPEN and contest.funding_ends_on is not None
            and contest.phase not in (Phase.FINAL, Phase.AWARDS, Phase.CLOSED)
            and not Match.objects.filter(pool=pool).exists())


def pool_settleable(pool: MatchingPool, on_date: date) -> bool:
    """Whether ``pool_settle`` could settle the pool on ``on_date``: open, its contest's funding phase over and
    every campaign it applies to settled (the service checks the same, and the held matches, under its locks)."""
    from .campaign_settlement import pool_unsettled_campaigns

    ends = pool.contest.funding_ends_on
    return (pool.state == MatchingPool.State.OPEN and ends is not None and on_date > ends
            and not pool_unsettled_campaigns(pool).exists())


@dataclass(frozen=True)
class FunderFigures:
    """A funder's money in a pool. ``available`` is its account's balance; it equals paid_in - drawn - returned."""

    funder: PoolFunder
    committed: Decimal
    paid_in: Decimal
    drawn: Decimal  # matches held for campaigns or paid to them (not those given back)
    returned: Decimal  # unspent money given back when the pool settled
    available: Decimal


@dataclass(frozen=True)
class PoolFigures:
    pool: MatchingPool
    funders: list[FunderFigures]
    committed: Decimal
    paid_in: Decimal
    drawn: Decimal
    returned: Decimal
    available: Decimal
    matches: int  # Match rows held or paid


def pool_figures(pool: MatchingPool) -> PoolFigures:
    """Each funder's figures and the pool's totals, in four queries."""
    funders = list(PoolFunder.objects.filter(pool=pool).select_related("institution", "account")
                   .annotate(paid_in=Sum("fundings__amount")).order_by("position", "pk"))
    drawn = dict(Match.objects.filter(pool=pool, state__in=(Match.State.HELD, Match.State.PAID))
                 .values("funder_id").annotate(total=Sum("amount")).values_list("funder_id", "total"))
    returned = dict(PoolReturn.objects.filter(funder__pool=pool).values("funder_id").annotate(total=Sum("amount"))
                    .values_list("funder_id", "total"))
    count = Match.objects.filter(pool=pool, state__in=(Match.State.HELD, Match.State.PAID)).count()
    lines = [FunderFigures(funder=f, committed=f.committed.amount, paid_in=f.paid_in or ZERO,
                           drawn=drawn.get(f.pk) or ZERO, returned=returned.get(f.pk) or ZERO,
                           available=f.account.balance.amount) for f in funders]
    return PoolFigures(pool=pool, funders=lines, committed=sum((x.committed for x in lines), ZERO),
                       paid_in=sum((x.paid_in for x in lines), ZERO), drawn=sum((x.drawn for x in lines), ZERO),
                       returned=sum((x.returned for x in lines), ZERO),
                       available=sum((x.available for x in lines), ZERO), matches=count)


# --- the quadratic preview ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewCampaign:
    campaign: Campaign
    contributions: int  # backers with a live pledge
    sum_of_roots: Decimal  # sum over backers of sqrt(their live total), to 2 decimals
    raw: Decimal  # (sum of roots)^2 - sum of totals, to 2 decimals
    match: Decimal  # what the pool would give it if it were shared now
    capped: bool


@dataclass(frozen=True)
class PreviewPool:
    pool: MatchingPool
    pot: Decimal  # what the pool's funders hold now
    cap_per_campaign: Decimal | None
    campaigns: list[PreviewCampaign]
    leftover: Decimal  # what would stay in the pool


@dataclass(frozen=True)
class QuadraticPreview:
    contest_id: int
    as_of: date
    pools: list[PreviewPool]


def _sum_of_roots(totals: list[Decimal]) -> Decimal:
    with localcontext(Context(prec=50)):
        return sum((t.sqrt() for t in totals if t > 0), ZERO).quantize(SQRT_PLACES)


def quadratic_preview(*, contest_id: int, as_of: date) -> QuadraticPreview:
    """Per open quadratic pool of the contest, per campaign it applies to (launched and not failed): its backers with
    live pledges, the sum of the roots of their totals, its raw quadratic value and the match it would get if the
    pool were shared now (``core.engines.matching.quadratic`` over the live pledges, ``BackerTotal.pledged``, with
    the pool's cap), whether the cap applied, and what would stay in the pool. Reads only; ``as_of`` is the day the
    preview is for (the funders' balances are today's)."""
    pools = list(MatchingPool.objects.filter(contest_id=contest_id, rule=PoolRule.QUADRATIC,
                                             state=MatchingPool.State.OPEN).prefetch_related("campaigns")
                 .order_by("pk"))
    every = list(Campaign.objects.filter(contest_id=contest_id).exclude(
        state__in=(Campaign.State.DRAFT, Campaign.State.FAILED)).order_by("pk"))
    totals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for campaign_id, backer_id, pledged in (BackerTotal.objects.filter(campaign__in=every, pledged__gt=0)
                                            .values_list("campaign_id", "backer_id", "pledged")):
        totals[campaign_id][backer_id] = pledged
    balances = dict(PoolFunder.objects.filter(pool__in=pools).values("pool_id")
                    .annotate(total=Sum("account__balance")).values_list("pool_id", "total"))
    result: list[PreviewPool] = []
    for pool in pools:
        named = {c.pk for c in pool.campaigns.all()}
        campaigns = [c for c in every if not named or c.pk in named]
        pot = balances.get(pool.pk) or ZERO
        cap = None if pool.qf_cap_per_campaign is None else pool.qf_cap_per_campaign.amount
        shared = quadratic({c.pk: totals[c.pk] for c in campaigns}, pot, cap, Decimal(pool.unit))
        lines = [PreviewCampaign(campaign=c, contributions=len(totals[c.pk]),
                                 sum_of_roots=_sum_of_roots(list(totals[c.pk].values())),
                                 raw=raw_value(totals[c.pk]).quantize(SQRT_PLACES), match=shared.matches[c.pk],
                                 capped=c.pk in shared.capped) for c in campaigns]
        result.append(PreviewPool(pool=pool, pot=pot, cap_per_campaign=cap, campaigns=lines, leftover=shared.leftover))
    return QuadraticPreview(contest_id=contest_id, as_of=as_of, pools=result)


def matches_of_pledge(pledge_id: int) -> QuerySet[Match]:
    """A pledge's matches by pool and funder (for the pledge's response), held or paid first."""
    return (Match.objects.filter(pledge_id=pledge_id).select_related("pool", "funder__institution")
            .order_by("pool_id", "funder__position", "pk"))


def pools_for_campaign(campaign: Campaign, rule: str) -> list[MatchingPool]:
    """The open pools of the campaign's contest with ``rule`` that apply to it (no campaigns named, or it among
    them) and have funders, in id order, with their funders in the pool's order (``funders_in_order``)."""
    # One statement: the funders, each with its pool (a pool without funders is left out, as it has nothing to
    # give); a pool applies when it names no campaign or names this one.
    funders = (PoolFunder.objects.select_related("pool")
               .filter(pool__contest_id=campaign.contest_id, pool__rule=rule, pool__state=MatchingPool.State.OPEN)
               .filter(Q(pool__campaigns__isnull=True) | Q(pool__campaigns=campaign))
               .order_by("pool_id", "position", "pk"))
    pools: dict[int, MatchingPool] = {}
    for funder in funders:
        pool = pools.setdefault(funder.pool_id, funder.pool)
        if not hasattr(pool, "funders_in_order"):
            pool.funders_in_order = []  # type: ignore[attr-defined]
        pool.funders_in_order.append(funder)  # type: ignore[attr-defined]
    return list(pools.values())


def pledge_rule(pool: MatchingPool) -> PledgeRule:
    """The engine's rule of a pledge-matching pool."""
    return PledgeRule(
        factor=pool.factor,
        cap_per_pledge=None if pool.cap_per_pledge is None else pool.cap_per_pledge.amount,
        cap_per_campaign_amount=None if pool.cap_per_campaign is None else pool.cap_per_campaign.amount,
        cap_per_campaign_percent=pool.cap_per_campaign_percent,
        cap_per_backer=None if pool.cap_per_backer is None else pool.cap_per_backer.amount,
        trigger_percent=pool.trigger_percent, trigger_backers=pool.trigger_backers, unit=Decimal(pool.unit))
