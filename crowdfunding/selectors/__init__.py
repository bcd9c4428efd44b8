"""The contests' reads, by topic. Everything is importable from ``crowdfunding.selectors``."""

from .awards import (
    AwardFigures,
    AwardLine,
    AwardSummary,
    award_figures,
    award_summary,
    awards_of,
    awards_visible_to,
    spending_of,
    tranches_visible_to,
)
from .contests import (
    ContestFund,
    ContributorLine,
    Ineligibility,
    contest_fund,
    contests_all,
    contributions_of,
    entries_by_phase,
    ineligibility,
    live_entry_of,
    partners_of,
)
from .judging import (
    PanelProgress,
    PanelScore,
    QueueItem,
    RankingRow,
    Recusal,
    VisibleScore,
    judge_queue,
    judging_progress,
    ranking_round_for,
    recusal,
    recusal_reason,
    recusals,
    round_ranking,
    scores_visible_to,
)
from .visibility import contests_visible_to, entries_visible_to, pool_filter, round_pool, rounds_visible_to, seats_of

__all__ = ["contests_visible_to", "entries_visible_to", "pool_filter", "round_pool", "rounds_visible_to", "seats_of"]
__all__ += ["ContestFund", "ContributorLine", "Ineligibility", "contest_fund", "contests_all", "contributions_of",
            "entries_by_phase", "ineligibility", "live_entry_of", "partners_of"]
__all__ += ["PanelProgress", "PanelScore", "QueueItem", "RankingRow", "Recusal", "VisibleScore", "judge_queue",
            "judging_progress", "ranking_round_for", "recusal", "recusal_reason", "recusals", "round_ranking",
            "scores_visible_to"]
__all__ += ["AwardFigures", "AwardLine", "AwardSummary", "award_figures", "award_summary", "awards_of",
            "awards_visible_to", "spending_of", "tranches_visible_to"]
