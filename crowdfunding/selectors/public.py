"""What the public campaign pages read, without a login (공개 캠페인): the contests in or after their funding phase,
their launched campaigns with the figures of a campaign's card (progress of pledged + matched over the target, days
left, backers, matched), and the matching offer shown beside a campaign ("지금 후원하면 10,000원이 20,000원이
됩니다"): what the open pledge-matching pools would add to a typical pledge of a new backer now, or why they add
nothing (no pool, the pool exhausted, the trigger not reached yet).

Only public fields: no backer's name or email is read here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from core.engines.matching import pledge_match

from ..models import Campaign, Contest, Match, Phase, PoolFunder, PoolRule
from .campaigns import days_left, progress_percent
from .matching import pledge_rule, pools_for_campaign

ZERO = Decimal(0)
HUNDRED = Decimal(100)
TYPICAL_PLEDGE = Decimal(10_000)  # the pledge the offer is shown for (or the campaign's smallest, when larger)
PUBLIC_PHASES = (Phase.FUNDING, Phase.FINAL, Phase.AWARDS, Phase.CLOSED)
LAUNCHED = ~Q(state=Campaign.State.DRAFT)


def public_contests() -> QuerySet[Contest]:
    """The contests with a crowdfunding phase that reached it (funding, final, awards, closed), the latest funding
    first, each with ``campaign_count`` (its launched campaigns)."""
    return (Contest.objects.filter(phase__in=PUBLIC_PHASES, funding_ends_on__isnull=False)
            .select_related("host")
            .annotate(campaign_count=Count("campaigns", filter=Q(campaigns__in=Campaign.objects.filter(LAUNCHED))))
            .order_by("-funding_ends_on", "-pk"))


def public_campaigns(contest: Contest | None = None) -> QuerySet[Campaign]:
    """Launched campaigns (of ``contest``, when given) with their enterprise and contest, in launch order."""
    found = Campaign.objects.filter(LAUNCHED).select_related("enterprise", "contest")
    if contest is not None:
        found = found.filter(contest=contest)
    return found.order_by("launched_at", "pk")


@dataclass(frozen=True)
class CampaignCard:
    """A campaign's public figures: ``reached`` = pledged + matched; ``percent`` of the target (over 100 once
    exceeded); ``bar`` the percent a progress bar fills (at most 100)."""

    campaign: Campaign
    reached: Decimal
    percent: Decimal
    bar: Decimal
    days_left: int


def campaign_card(campaign: Campaign, today: date) -> CampaignCard:
    percent = progress_percent(campaign)
    return CampaignCard(campaign=campaign, reached=campaign.pledged.amount + campaign.matched.amount,
                        percent=percent, bar=min(percent, HUNDRED), days_left=days_left(campaign, today))


class OfferState:
    OFFERED = "offered"  # a typical pledge is matched now
    EXHAUSTED = "exhausted"  # the pools have nothing left for this campaign (their money or its cap is used up)
    NOT_TRIGGERED = "not_triggered"  # matching starts once the campaign reaches the trigger
    NONE = "none"  # no open pledge-matching pool applies to the campaign (or it is not live)


@dataclass(frozen=True)
class Trigger:
    percent: Decimal  # of the target pledged ...
    backers: int  # ... and unique backers, counting a new one


@dataclass(frozen=True)
class MatchingOffer:
    state: str
    pledge: Decimal  # the typical pledge the offer is for
    match: Decimal  # what the pools would add to it now
    pools: list[str] = field(default_factory=list)  # the names of the pools that would match it
    trigger: Trigger | None = None  # the nearest trigger not reached yet (NOT_TRIGGERED)

    @property
    def total(self) -> Decimal:
        return self.pledge + self.match


def matching_offer(campaign: Campaign, *, amount: Decimal | None = None) -> MatchingOffer:
    """What the open ``match`` pools of the campaign's contest that apply to it would add now to a pledge of
    ``amount`` (default: 10,000 won, or the campaign's smallest pledge when larger) by a new backer, with each pool's
    rule (``core.engines.matching.pledge_match``: the trigger, the caps, what the pool's funders hold). Reads only;
    the pledge's own match is drawn by the pledge service and may differ if others pledge meanwhile."""
    pledge = max(amount if amount is not None else TYPICAL_PLEDGE, campaign.min_pledge.amount)
    if campaign.state != Campaign.State.LIVE:
        return MatchingOffer(OfferState.NONE, pledge, ZERO)
    pools = [pool for pool in pools_for_campaign(campaign, PoolRule.MATCH)
             if pool.funders_in_order]  # type: ignore[attr-defined]
    if not pools:
        return MatchingOffer(OfferState.NONE, pledge, ZERO)
    available = dict(PoolFunder.objects.filter(pool__in=pools).values("pool_id")
                     .annotate(total=Sum("account__balance")).values_list("pool_id", "total"))
    got = dict(Match.objects.filter(pool__in=pools, campaign=campaign, kind=Match.Kind.PLEDGE,
                                    state__in=(Match.State.HELD, Match.State.PAID))
               .values("pool_id").annotate(total=Sum("amount")).values_list("pool_id", "total"))
    total, names, waiting = ZERO, [], []
    for pool in pools:
        rule = pledge_rule(pool)
        if not rule.triggered(target=campaign.target.amount, pledged_after=campaign.pledged.amount + pledge,
                              backers_after=campaign.backers + 1):
            waiting.append(Trigger(percent=pool.trigger_percent, backers=pool.trigger_backers))
            continue
        match = pledge_match(rule, pledge=pledge, campaign_target=campaign.target.amount,
                             campaign_matched_so_far=got.get(pool.pk) or ZERO, backer_matched_so_far=ZERO,
                             pool_available=available.get(pool.pk) or ZERO,
                             campaign_pledged_before=campaign.pledged.amount,
                             campaign_backers_after=campaign.backers + 1)
        if match:
            total += match
            names.append(pool.name)
    if total:
        return MatchingOffer(OfferState.OFFERED, pledge, total, names)
    if waiting:
        nearest = min(waiting, key=lambda t: (t.percent, t.backers))
        return MatchingOffer(OfferState.NOT_TRIGGERED, pledge, ZERO, trigger=nearest)
    return MatchingOffer(OfferState.EXHAUSTED, pledge, ZERO)

