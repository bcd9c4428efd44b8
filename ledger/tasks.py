"""Background jobs over the ledger (interfaces: they call a selector or service and report)."""

from __future__ import annotations

import logging

from celery import shared_task

from .verification import ledger_verification

logger = logging.getLogger(__name__)


@shared_task(name="ledger.verify", acks_late=True)
def verify_ledger(run_id: int | None = None) -> dict[str, object]:
    """Recompute every balance from entries, as verification run ``run_id`` (asked for by a person) or, nightly on
    beat, as a run of the system's; recorded either way. Logs an error for every difference. A run already
    finished is not run again."""
    outcome = ledger_verification(run_id=run_id)
    run, report = outcome.run, outcome.report
    if report is None:
        logger.info("ledger_verify: %s had finished already", run)
        return {"run": run.pk, "ok": run.state == run.State.PASSED, "accounts": run.checked,
                "problems": run.problems}
    for problem in report.problems:
        logger.error("ledger_verify: %s", problem)
    logger.info(
        "ledger_verify: %s accounts, %s journals, %s problems", report.accounts, report.journals, len(report.problems)
    )
    return {"run": run.pk, "ok": report.ok, "accounts": report.accounts, "journals": report.journals,
            "problems": report.problems}
