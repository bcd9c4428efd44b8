"""The funding phase's daily run (Celery beat's ``crowdfunding.run_funding``), in the order the money moves:

1. campaigns past their deadline close (``pledges.campaigns_close_due``: success or failure, the top-up);
2. charges that are due run (``pledges.pledges_charge_due``: all-or-nothing pledges of succeeded campaigns, retries);
3. quadratic pools whose campaigns have all closed, with no charge still to come, are shared out
   (``matching.pool_allocate_quadratic``);
4. campaigns ready settle (``campaign_settle``);
5. pools whose campaigns have all settled give their unspent money back (``pool_settle``).

Each step is a service call in its own transaction (this function is none), and each is idempotent, so a second run
the same day does nothing more. One object that cannot move yet (a campaign whose quadratic pool waits, say) is
reported and left for the next run; it does not stop the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.errors import DomainError

from ..selectors import campaign_settlement as sel
from .campaign_settlement import campaign_settle, pool_settle

logger = logging.getLogger(__name__)


@dataclass
class FundingRun:
    """What a run did: the steps' own reports, the ids of what settled, and what was left, with why."""

    on_date: date
    closed: Any = None
    charged: Any = None
    allocated: list[int] = field(default_factory=list)
    settled_campaigns: list[int] = field(default_factory=list)
    settled_pools: list[int] = field(default_factory=list)
    left: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"on_date": self.on_date.isoformat(), "closed": _plain(self.closed), "charged": _plain(self.charged),
                "allocated": self.allocated, "settled_campaigns": self.settled_campaigns,
                "settled_pools": self.settled_pools, "left": self.left}


def _plain(value: Any) -> Any:
    """A step's report as JSON-ready values (ids of model rows, lists and dicts as they are, the rest as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return getattr(value, "pk", None) or str(value)


def funding_run(*, on_date: date) -> FundingRun:
    """Run the funding phase's steps for ``on_date`` (see the module). Returns what it did."""
    # Imported here: the pledges and matching services are their own modules; this run only orders them.
    from .matching import pool_allocate_quadratic
    from .pledges import campaigns_close_due, pledges_charge_due

    run = FundingRun(on_date=on_date)
    run.closed = campaigns_close_due(on_date=on_date)
    run.charged = pledges_charge_due(on_date=on_date)
    for pool_id in sel.quadratic_pools_ready():
        try:
            pool_allocate_quadratic(pool_id=pool_id, on_date=on_date)
        except DomainError as error:
            run.left.append({"pool": pool_id, "step": "allocate", "why": str(error)})
        else:
            run.allocated.append(pool_id)
    for campaign_id in sel.campaigns_ready_to_settle():
        try:
            campaign_settle(campaign_id=campaign_id, on_date=on_date)
        except DomainError as error:
            run.left.append({"campaign": campaign_id, "step": "settle", "why": str(error)})
        else:
            run.settled_campaigns.append(campaign_id)
    for pool_id in sel.pools_ready_to_settle(on_date):
        try:
            pool_settle(pool_id=pool_id, on_date=on_date)
        except DomainError as error:
            run.left.append({"pool": pool_id, "step": "settle", "why": str(error)})
        else:
            run.settled_pools.append(pool_id)
    logger.info("funding run on %s: %s", on_date, run.as_dict())
    return run
