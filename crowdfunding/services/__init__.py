"""The contests' writes, by topic. Each is one transaction: input checked, rows locked in the order of
``crowdfunding.locks``, rows written, ledger journals posted where money moves, an audit event recorded.

Domain errors raised: ValidationFailed (bad input), Forbidden (and Recused, a judge's conflict of interest), NotFound,
InvalidState (wrong state or phase, 409), InsufficientFunds (the joint fund, 422), IdempotencyConflict (422),
Ineligible (an enterprise the contest does not admit, 422). Callers pass the day (``today``).
"""

from .advancing import advance_cancel, advance_confirm, advance_prepare
from .awards import award_approve, award_cancel, award_prepare, award_table_set, tranche_pay
from .campaigns import campaign_create, campaign_launch, campaign_update, reward_create, reward_delete, reward_update
from .contests import contest_advance, contest_create, contest_partner_add, contests_advance_due, contribution_record
from .entries import entry_create, entry_submit, entry_update, entry_withdraw
from .judging import conflict_declare, panel_judges_assign, round_close, round_open, round_setup, score_record
from .matching import (
    match_pledge,
    pool_allocate_quadratic,
    pool_create,
    pool_fund,
    pool_funder_add,
    pool_update,
    return_pledge_match,
    top_up_campaign,
)
from .settlement import spending_add, spending_remove, tranche_report, tranche_return, tranche_settle

__all__ = [
    "award_approve",
    "award_cancel",
    "award_prepare",
    "award_table_set",
    "contest_advance",
    "contest_create",
    "contest_partner_add",
    "contests_advance_due",
    "contribution_record",
    "entry_create",
    "entry_submit",
    "entry_update",
    "entry_withdraw",
    "spending_add",
    "spending_remove",
    "tranche_pay",
    "tranche_report",
    "tranche_return",
    "tranche_settle",
]
__all__ += ["advance_cancel", "advance_confirm", "advance_prepare", "conflict_declare", "panel_judges_assign",
            "round_close", "round_open", "round_setup", "score_record"]
__all__ += ["match_pledge", "pool_allocate_quadratic", "pool_create", "pool_fund", "pool_funder_add", "pool_update",
            "return_pledge_match", "top_up_campaign"]
__all__ += ["campaign_create", "campaign_launch", "campaign_update", "reward_create", "reward_delete",
            "reward_update"]
from .pledges import (  # noqa: E402
    campaign_close,
    campaigns_close_due,
    payment_webhook_apply,
    pledge_cancel,
    pledge_charge,
    pledge_create,
    pledge_release,
    pledges_charge_due,
)

__all__ += ["campaign_close", "campaigns_close_due", "payment_webhook_apply", "pledge_cancel", "pledge_charge",
            "pledge_create", "pledge_release", "pledges_charge_due"]
