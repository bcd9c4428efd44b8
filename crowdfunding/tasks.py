"""Background jobs of the contests: each night, every contest whose phase ended the day before moves on (공모 마감,
심사 마감, ...), unless it waits for its round's advance list to be confirmed; then the funding phase's run (campaigns
close, charges, quadratic pools, settlements)."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from .services import contests_advance_due
from .services.funding import funding_run

logger = logging.getLogger(__name__)


@shared_task(name="crowdfunding.advance_phases", acks_late=True)
def advance_phases_task(today: str | None = None) -> list[dict[str, object]]:
    """Move every contest on through the phases that ended before ``today`` (default: today, KST). Safe to run
    again: a phase is entered once, and a contest waiting at a gate stays there."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    report = [{"contest": contest_id, "phase": phase} for contest_id, phase in contests_advance_due(today=day)]
    logger.info("contest phases advanced on %s: %s", day, report)
    return report


@shared_task(name="crowdfunding.run_funding", acks_late=True)
def run_funding_task(today: str | None = None) -> dict[str, object]:
    """The funding phase's daily run for ``today`` (default: today, KST), after the phases have moved: campaigns
    close, due charges run, quadratic pools are shared out, campaigns and pools settle
    (``crowdfunding.services.funding.funding_run``). Safe to run again: every step is idempotent."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return funding_run(on_date=day).as_dict()
