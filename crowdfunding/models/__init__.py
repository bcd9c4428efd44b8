"""The crowdfunding contests' models, one module per topic:

- ``contests``: contests, their phases, partners and joint fund contributions;
- ``entries``: entries and what their enterprises are told;
- ``judging``: rounds, rubrics, panels, judges, conflicts, scores, advance lists;
- ``awards``: the award table, awards, tranches and their spending reports.
"""

from .awards import Award, AwardTier, AwardTranche, SpendingItem
from .contests import PHASE_ORDER, Contest, ContestPartner, JointFundContribution, Phase, PhaseChange
from .entries import CampaignType, Entry, EntryNotice, RoundKind
from .judging import AdvanceList, AdvanceListLine, Aggregation, Conflict, Criterion, Panel, PanelJudge, Round, Score

__all__ = [
    "PHASE_ORDER",
    "AdvanceList",
    "AdvanceListLine",
    "Aggregation",
    "Award",
    "AwardTier",
    "AwardTranche",
    "CampaignType",
    "Conflict",
    "Contest",
    "ContestPartner",
    "Criterion",
    "Entry",
    "EntryNotice",
    "JointFundContribution",
    "Panel",
    "PanelJudge",
    "Phase",
    "PhaseChange",
    "Round",
    "RoundKind",
    "Score",
    "SpendingItem",
]
