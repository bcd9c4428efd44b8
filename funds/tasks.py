"""Background jobs of the revolving funds: the nightly close of business."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from .services import close_business

logger = logging.getLogger(__name__)


@shared_task(name="funds.close_business", acks_late=True)
def close_business_task(through: str | None = None) -> list[dict[str, object]]:
    """Close every day not yet closed up to ``through`` (default: yesterday, KST)."""
    day = date.fromisoformat(through) if through else timezone.localdate() - timedelta(days=1)
    results = close_business(through=day, today=timezone.localdate())
    report = [
        {"date": r.day.date.isoformat(), "created": r.created, "loans_processed": r.day.loans_processed,
         "loans_advanced": r.day.loans_advanced, "journals_posted": r.day.journals_posted}
        for r in results
    ]
    logger.info("close_business through %s: %s", day, report)
    return report
