"""The crowdfunding contests' models, one module per topic:

- ``contests``: contests, their phases, partners and joint fund contributions;
- ``entries``: entries and what their enterprises are told;
- ``judging``: rounds, rubrics, panels, judges, conflicts, scores, advance lists;
- ``awards``: the award table, awards, tranches and their spending reports;
- ``campaigns``: campaigns, reward tiers, backers' totals, pledges, what the payment provider did, its webhooks;
- ``matching``: matching pools, their funders and money, matches, returns, and campaigns' settlements;
- ``payouts``: the enterprises' bank accounts the settled campaigns are paid to.
"""

from .awards import Award, AwardTier, AwardTranche, SpendingItem
from .campaigns import (
    CAMPAIGN_STATES,
    LIVE_PLEDGE_STATES,
    PLEDGE_STATES,
    BackerTotal,
    Campaign,
    CampaignMode,
    PaymentWebhook,
    Pledge,
    PledgePayment,
    RewardTier,
)
from .contests import PHASE_ORDER, Contest, ContestPartner, JointFundContribution, Phase, PhaseChange
from .entries import CampaignType, Entry, EntryNotice, RoundKind
from .judging import AdvanceList, AdvanceListLine, Aggregation, Conflict, Criterion, Panel, PanelJudge, Round, Score
from .matching import (
    CampaignSettlement,
    Match,
    MatchingPool,
    PoolFunder,
    PoolFunding,
    PoolReturn,
    PoolRule,
)
from .payouts import Bank, PayoutAccount

__all__ = [
    "CAMPAIGN_STATES",
    "LIVE_PLEDGE_STATES",
    "PHASE_ORDER",
    "PLEDGE_STATES",
    "AdvanceList",
    "AdvanceListLine",
    "Aggregation",
    "Award",
    "AwardTier",
    "AwardTranche",
    "BackerTotal",
    "Bank",
    "Campaign",
    "CampaignMode",
    "CampaignSettlement",
    "CampaignType",
    "Conflict",
    "Contest",
    "ContestPartner",
    "Criterion",
    "Entry",
    "EntryNotice",
    "JointFundContribution",
    "Match",
    "MatchingPool",
    "Panel",
    "PanelJudge",
    "PaymentWebhook",
    "PayoutAccount",
    "Phase",
    "PhaseChange",
    "Pledge",
    "PledgePayment",
    "PoolFunder",
    "PoolFunding",
    "PoolReturn",
    "PoolRule",
    "RewardTier",
    "Round",
    "RoundKind",
    "Score",
    "SpendingItem",
]
