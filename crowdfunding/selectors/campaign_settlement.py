"""Reads of the campaigns' settlement (캠페인 정산): a campaign's figures from its pledges and matches, what is ready
to settle, who sees which settlement, and the lines of a contest's payout file (정산 지급 내역) for the bank.

The figures are read from the pledges' states (each pledge holds its whole amount; there are no partial refunds):

- *pledged at the deadline*: the pledges that were live when the campaign's last day ended: live now (charged,
  reserved, retrying), released at a failure (they were live to the end), or cancelled or refunded after the last
  day (a charge declined for good, a refund the provider made later);
- *charged*: the pledges charged, including those refunded later (a refund is a charged pledge given back);
- *failed*: the pledges cancelled after their charge was declined (``charge_attempts`` above zero);
- *refunded*: the pledges refunded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.models import AuditEvent
from enterprises.models import Enterprise
from enterprises.roles import STAFF_READERS, has_role

from ..models import Campaign, CampaignSettlement, Match, MatchingPool, PayoutAccount, Pledge, PoolRule

ZERO = Decimal(0)
CLOSED = (Campaign.State.SUCCEEDED, Campaign.State.FAILED)
WAITING = (Pledge.State.RESERVED, Pledge.State.RETRYING)  # a charge still to come: not settled yet
# h-matching's audit action of a quadratic allocation (crowdfunding.actions.POOL_QUADRATIC): an allocation that
# gave every campaign nothing (each had a single backer) leaves no Match row, only this event.
QUADRATIC_ALLOCATED_ACTION = "crowdfunding.pool.quadratic"


@dataclass(frozen=True)
class PledgeFigures:
    """What a campaign's pledges add up to, for its settlement."""

    pledged: Decimal  # live at the deadline
    charged: Decimal
    failed: Decimal  # declined for good
    refunded: Decimal


@dataclass(frozen=True)
class MatchFigures:
    """A campaign's held matches by kind."""

    pledge: Decimal
    top_up: Decimal
    quadratic: Decimal

    @property
    def total(self) -> Decimal:
        return self.pledge + self.top_up + self.quadratic


def _sum(qs: QuerySet[Any], field: str = "amount") -> Decimal:
    return Decimal(qs.aggregate(total=Sum(field))["total"] or 0)


def pledge_figures(campaign: Campaign) -> PledgeFigures:
    """The campaign's pledged-at-the-deadline, charged, failed and refunded totals (see the module's rules)."""
    pledges = Pledge.objects.filter(campaign=campaign)
    after_deadline = Q(cancelled_on__gt=campaign.ends_on)
    live_at_deadline = (Q(state__in=[Pledge.State.CHARGED, Pledge.State.RESERVED, Pledge.State.RETRYING,
                                     Pledge.State.RELEASED])
                        | (Q(state__in=[Pledge.State.CANCELLED, Pledge.State.REFUNDED]) & after_deadline))
    return PledgeFigures(
        pledged=_sum(pledges.filter(live_at_deadline)),
        charged=_sum(pledges.filter(state__in=[Pledge.State.CHARGED, Pledge.State.REFUNDED])),
        failed=_sum(pledges.filter(state=Pledge.State.CANCELLED, charge_attempts__gt=0)),
        refunded=_sum(pledges.filter(state=Pledge.State.REFUNDED)),
    )


def held_matches(campaign: Campaign) -> QuerySet[Match]:
    return Match.objects.filter(campaign=campaign, state=Match.State.HELD)


def match_figures(campaign: Campaign) -> MatchFigures:
    """The campaign's held matches (pledge matches, top-up, quadratic)."""
    totals = dict.fromkeys(Match.Kind.values, ZERO)
    for kind, total in held_matches(campaign).values_list("kind").annotate(total=Sum("amount")).order_by("kind"):
        totals[kind] = Decimal(total)
    return MatchFigures(pledge=totals[Match.Kind.PLEDGE], top_up=totals[Match.Kind.TOP_UP],
                        quadratic=totals[Match.Kind.QUADRATIC])


def waiting_pledges(campaign_id: int) -> int:
    """How many of the campaign's pledges still wait for a charge (reserved or retrying)."""
    return Pledge.objects.filter(campaign_id=campaign_id, state__in=WAITING).count()


def pools_of(campaign: Campaign) -> QuerySet[MatchingPool]:
    """The pools of the campaign's contest that apply to it (a pool naming no campaign applies to all)."""
    return (MatchingPool.objects.filter(contest_id=campaign.contest_id)
            .filter(Q(campaigns=None) | Q(campaigns=campaign)).distinct().order_by("pk"))


def campaigns_of(pool: MatchingPool) -> QuerySet[Campaign]:
    """The launched campaigns a pool applies to (a draft never launched takes no part)."""
    qs = Campaign.objects.filter(contest_id=pool.contest_id).exclude(state=Campaign.State.DRAFT)
    if pool.campaigns.exists():
        qs = qs.filter(pk__in=pool.campaigns.values("pk"))
    return qs.order_by("pk")


def quadratic_allocated(pool: MatchingPool) -> bool:
    """Whether a quadratic pool has been shared among its campaigns: it drew a quadratic match, or its allocation
    was recorded (one that gave nothing draws none)."""
    if Match.objects.filter(pool=pool, kind=Match.Kind.QUADRATIC).exists():
        return True
    return AuditEvent.objects.filter(action=QUADRATIC_ALLOCATED_ACTION, object_type="crowdfunding.matchingpool",
                                     object_id=str(pool.pk)).exists()


def quadratic_pending(campaign: Campaign) -> list[MatchingPool]:
    """The open quadratic pools of the campaign that have not been shared out yet: it cannot settle before."""
    return [pool for pool in pools_of(campaign).filter(rule=PoolRule.QUADRATIC, state=MatchingPool.State.OPEN)
            if not quadratic_allocated(pool)]


def _no_waiting_pledge() -> Any:
    return ~Exists(Pledge.objects.filter(campaign=OuterRef("pk"), state__in=WAITING))


def campaigns_ready_to_settle() -> list[int]:
    """Closed campaigns (succeeded or failed at their deadline) with no charge still to come, by id; their quadratic
    pools are checked by ``campaign_settle`` itself."""
    return list(Campaign.objects.filter(state__in=CLOSED).filter(_no_waiting_pledge()).order_by("pk")
                .values_list("pk", flat=True))


def quadratic_pools_ready() -> list[int]:
    """Open quadratic pools not yet shared out whose launched campaigns have all closed with no charge still to
    come, by id."""
    ready = []
    for pool in MatchingPool.objects.filter(rule=PoolRule.QUADRATIC, state=MatchingPool.State.OPEN).order_by("pk"):
        campaigns = campaigns_of(pool)
        if not campaigns.exists() or campaigns.exclude(state__in=[*CLOSED, Campaign.State.SETTLED]).exists():
            continue
        if Pledge.objects.filter(campaign__in=campaigns, state__in=WAITING).exists():
            continue
        if not quadratic_allocated(pool):
            ready.append(pool.pk)
    return ready


def pool_unsettled_campaigns(pool: MatchingPool) -> QuerySet[Campaign]:
    return campaigns_of(pool).exclude(state=Campaign.State.SETTLED)


def pools_ready_to_settle(on_date: date) -> list[int]:
    """Open pools whose contest's funding phase ended before ``on_date`` and whose launched campaigns have all
    settled, by id."""
    ready = []
    for pool in MatchingPool.objects.filter(state=MatchingPool.State.OPEN).select_related("contest").order_by("pk"):
        ends = pool.contest.funding_ends_on
        if ends is None or ends >= on_date:
            continue
        if not pool_unsettled_campaigns(pool).exists():
            ready.append(pool.pk)
    return ready


def settlements_visible_to(user: Any) -> QuerySet[CampaignSettlement]:
    """Staff: every settlement. An enterprise member: its enterprises' campaigns'. Anyone else: none."""
    if not getattr(user, "is_authenticated", False):
        return CampaignSettlement.objects.none()
    if has_role(user, *STAFF_READERS):
        return CampaignSettlement.objects.all()
    return CampaignSettlement.objects.filter(campaign__enterprise__memberships__user=user).distinct()


def enterprises_of(user: Any) -> QuerySet[Enterprise]:
    if not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    if has_role(user, *STAFF_READERS):
        return Enterprise.objects.all()
    return Enterprise.objects.filter(memberships__user=user).distinct()


def payout_account_of(user: Any, enterprise_id: int) -> tuple[Enterprise, PayoutAccount | None]:
    """The enterprise and its payout account (정산 계좌; None: not given yet), for staff or a member of it. Raises
    NotFound for an enterprise the user does not see (another's is not found, like one that does not exist)."""
    enterprise = enterprises_of(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("No such enterprise."))
    return enterprise, PayoutAccount.objects.filter(enterprise=enterprise).select_related("updated_by").first()


def payout_accounts_of(enterprise_ids: Iterable[int]) -> dict[int, PayoutAccount]:
    """The payout accounts of these enterprises, by enterprise id (an enterprise without one is absent)."""
    return {account.enterprise_id: account
            for account in PayoutAccount.objects.filter(enterprise_id__in=list(enterprise_ids))}


@dataclass(frozen=True)
class PayoutLine:
    """One line of a payout file: a settled campaign not yet paid out, and where its money goes."""

    settlement: CampaignSettlement
    campaign: Campaign
    enterprise: Enterprise
    account: PayoutAccount | None  # None: the enterprise has not given its bank account yet

    @property
    def amount(self) -> Decimal:
        return Decimal(self.settlement.net_payout.amount)

    @property
    def memo(self) -> str:
        """What the enterprise's bank statement shows (받는 분 통장 표시): short, as banks cut it at 20 characters."""
        return f"펀딩정산 C{self.campaign.pk}"


def payout_lines(contest_id: int) -> list[PayoutLine]:
    """The contest's settled campaigns with a payout not yet paid, by campaign id."""
    settlements: Iterable[CampaignSettlement] = (
        CampaignSettlement.objects.filter(campaign__contest_id=contest_id, paid_out_on__isnull=True,
                                          net_payout__gt=0)
        .select_related("campaign__enterprise").order_by("campaign_id"))
    lines = []
    for settlement in settlements:
        enterprise = settlement.campaign.enterprise
        account = PayoutAccount.objects.filter(enterprise_id=enterprise.pk).first()
        lines.append(PayoutLine(settlement=settlement, campaign=settlement.campaign, enterprise=enterprise,
                                account=account))
    return lines
