"""Background jobs of the contests: each night, every contest whose phase ended the day before moves on (공모 마감,
심사 마감, ...), unless it waits for its round's advance list to be confirmed; then the funding phase's run (campaigns
close, charges, quadratic pools, settlements)."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services
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
# --- campaigns and pledges (called by h-settlement's orchestrating task, or on their own) ---------------------------


def _day(on_date: str | None) -> date:
    return date.fromisoformat(on_date) if on_date else timezone.localdate()


@shared_task(name="crowdfunding.campaigns_close_due", acks_late=True)
def campaigns_close_due_task(on_date: str | None = None) -> list[int]:
    """Close every live campaign whose last day passed before ``on_date`` (default: today, KST). Safe to run again:
    a closed campaign stays as it is."""
    return services.campaigns_close_due(on_date=_day(on_date))


@shared_task(name="crowdfunding.campaign_close", acks_late=True)
def campaign_close_task(campaign_id: int, on_date: str | None = None) -> str:
    return services.campaign_close(campaign_id=campaign_id, on_date=_day(on_date)).state


@shared_task(name="crowdfunding.pledges_charge_due", acks_late=True)
def pledges_charge_due_task(on_date: str | None = None) -> list[int]:
    """Charge the due pledges of the succeeded all-or-nothing campaigns. Safe to run again: a charged pledge is not
    due, and an attempt sent again carries the same idempotency key to the provider."""
    return services.pledges_charge_due(on_date=_day(on_date))


@shared_task(name="crowdfunding.pledge_charge", acks_late=True)
def pledge_charge_task(pledge_id: int, on_date: str | None = None) -> str:
    return services.pledge_charge(pledge_id=pledge_id, on_date=_day(on_date)).state


@shared_task(name="crowdfunding.pledge_release", acks_late=True)
def pledge_release_task(pledge_id: int, on_date: str | None = None) -> str:
    return services.pledge_release(pledge_id=pledge_id, on_date=_day(on_date)).state
