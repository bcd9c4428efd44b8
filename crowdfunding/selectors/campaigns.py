"""What each caller may see of the campaigns, and the figures of a campaign's public page.

Anyone, signed in or not, sees every launched campaign (live, succeeded, failed, settled); a draft only its
enterprise's members and staff (and managers) see; anything else is "not found"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Q, QuerySet

from enterprises.roles import STAFF_READERS, has_role

from ..models import Campaign, RewardTier

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    """Launched campaigns to anyone; drafts to staff and the members of the campaign's enterprise."""
    if has_role(user, *STAFF_READERS):
        return Campaign.objects.all()
    launched = ~Q(state=Campaign.State.DRAFT)
    if getattr(user, "is_authenticated", False) and user.memberships.exists():
        return Campaign.objects.filter(launched | Q(enterprise__memberships__user=user)).distinct()
    return Campaign.objects.filter(launched)


def sees_everything_of(user: Any, campaign: Campaign) -> bool:
    """Staff and the campaign's own enterprise's members see more than its public fields."""
    if has_role(user, *STAFF_READERS):
        return True
    return bool(getattr(user, "is_authenticated", False)
                and user.memberships.filter(enterprise_id=campaign.enterprise_id).exists())


def progress_percent(campaign: Campaign) -> Decimal:
    """(pledged + matched) over the target, in percent, rounded down to hundredths (over 100 once exceeded)."""
    reached = campaign.pledged.amount + campaign.matched.amount
    return (reached * HUNDRED / campaign.target.amount).quantize(CENT, rounding=ROUND_DOWN)


def days_left(campaign: Campaign, today: date) -> int:
    """Whole days after ``today`` until the campaign's last day (0 on its last day, after it, or once it is no
    longer live); before it starts, counted from ``today`` all the same."""
    if campaign.state not in (Campaign.State.DRAFT, Campaign.State.LIVE):
        return 0
    return max(0, (campaign.ends_on - today).days)


@dataclass(frozen=True)
class RewardLine:
    id: int
    title: str
    description: str
    price: Decimal
    stock: int | None
    claimed: int
    remaining: int | None  # None: unlimited


def reward_lines(campaign: Campaign) -> list[RewardLine]:
    return [RewardLine(id=r.pk, title=r.title, description=r.description, price=r.price.amount, stock=r.stock,
                       claimed=r.claimed, remaining=None if r.stock is None else r.stock - r.claimed)
            for r in RewardTier.objects.filter(campaign=campaign)]
