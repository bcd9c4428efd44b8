"""Background jobs of the special guarantees: billing the guarantee years that have started (보증료 부과)."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from .services import fees_bill_due

logger = logging.getLogger(__name__)


@shared_task(name="guarantees.bill_fees", acks_late=True)
def bill_fees_task(today: str | None = None) -> dict[str, int]:
    """Bill every active guarantee's years whose period has started by ``today`` (default: today, KST) and that are
    not billed yet. Idempotent: a year is billed once."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    run = fees_bill_due(today=day)
    logger.info("guarantee fees billed on %s: %s billed, %s skipped", day, run.billed, run.skipped)
    return {"billed": run.billed, "skipped": run.skipped}
