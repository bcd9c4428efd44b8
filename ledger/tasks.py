"""Background jobs over the ledger (interfaces: they call a selector or service and report)."""

from __future__ import annotations

import logging

from celery import shared_task

from .selectors import ledger_check

logger = logging.getLogger(__name__)


@shared_task(name="ledger.verify", acks_late=True)
def verify_ledger() -> dict[str, object]:
    """Nightly: recompute every balance from entries. Logs an error for every difference."""
    report = ledger_check()
    for problem in report.problems:
        logger.error("ledger_verify: %s", problem)
    logger.info(
        "ledger_verify: %s accounts, %s journals, %s problems", report.accounts, report.journals, len(report.problems)
    )
    return {"ok": report.ok, "accounts": report.accounts, "journals": report.journals, "problems": report.problems}
