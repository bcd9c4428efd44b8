"""Background jobs of the special guarantees: billing the guarantee years that have started (보증료 부과), and each
night the interest subsidy run (이차보전) of the period that ended last, prepared for every program that pays one (a
manager then approves it)."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from .services import fees_bill_due, subsidy_runs_prepare_due

logger = logging.getLogger(__name__)


@shared_task(name="guarantees.subsidy_runs", acks_late=True)
def prepare_subsidy_runs_task(today: str | None = None) -> list[dict[str, object]]:
    """Prepare the subsidy run of each program's period that ended before ``today`` (default: today, KST). Safe to
    run again: a period's run is made once; a period with nothing to pay gets none."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    runs = subsidy_runs_prepare_due(today=day)
    report = [{"run": run.pk, "program": run.program_id, "period_start": run.period_start.isoformat(),
               "total": str(run.total.amount), "lines": run.line_count} for run in runs]
    logger.info("subsidy runs prepared on %s: %s", day, report)
    return report


@shared_task(name="guarantees.bill_fees", acks_late=True)
def bill_fees_task(today: str | None = None) -> dict[str, int]:
    """Bill every active guarantee's years whose period has started by ``today`` (default: today, KST) and that are
    not billed yet. Idempotent: a year is billed once."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    run = fees_bill_due(today=day)
    logger.info("guarantee fees billed on %s: %s billed, %s skipped", day, run.billed, run.skipped)
    return {"billed": run.billed, "skipped": run.skipped}
