"""The contests' writes, by topic. Each is one transaction: input checked, rows locked in the order of
``crowdfunding.locks``, rows written, ledger journals posted where money moves, an audit event recorded.

Domain errors raised: ValidationFailed (bad input), Forbidden (and Recused, a judge's conflict of interest), NotFound,
InvalidState (wrong state or phase, 409), InsufficientFunds (the joint fund, 422), IdempotencyConflict (422),
Ineligible (an enterprise the contest does not admit, 422). Callers pass the day (``today``).
"""

from .advancing import advance_cancel, advance_confirm, advance_prepare
from .judging import conflict_declare, panel_judges_assign, round_close, round_open, round_setup, score_record

__all__: list[str] = []
__all__ += ["advance_cancel", "advance_confirm", "advance_prepare", "conflict_declare", "panel_judges_assign",
            "round_close", "round_open", "round_setup", "score_record"]
