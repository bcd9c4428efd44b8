"""Background jobs over the audit trail."""

from __future__ import annotations

import logging

from celery import shared_task

from .audit import audit_seal
from .outbox import outbox_relay
from .verification import audit_verification

logger = logging.getLogger(__name__)


@shared_task(name="audit.seal")
def seal_audit_trail() -> int:
    """Every AUDIT_SEAL_SECONDS (beat): seal the events whose commit did not (its sealer failed or stopped early).
    Normally there are none: each commit that records events seals them itself."""
    sealed = audit_seal()
    if sealed:
        logger.info("audit.seal: sealed %s events", sealed)
    return sealed


@shared_task(name="audit.verify", acks_late=True)
def verify_audit_trail(run_id: int | None = None) -> dict[str, object]:
    """Seal what is waiting, then walk the hash chain, as verification run ``run_id`` (asked for by a person) or,
    nightly on beat, as a run of the system's; recorded either way. Logs an error for every edited or deleted event,
    and for every event the sealer has left behind. A run already finished is not run again."""
    outcome = audit_verification(run_id=run_id)
    run, report = outcome.run, outcome.report
    if report is None:
        logger.info("audit_verify: %s had finished already", run)
        return {"run": run.pk, "ok": run.state == run.State.PASSED, "events": run.checked,
                "problems": run.problems, "pending": run.pending}
    for problem in report.problems:
        logger.error("audit_verify: %s", problem)
    logger.info("audit_verify: %s events, %s problems, %s not sealed yet", report.events, len(report.problems),
                report.pending)
    return {"run": run.pk, "ok": report.ok, "events": report.events, "problems": report.problems,
            "pending": report.pending}


@shared_task(name="outbox.relay")
def relay_outbox() -> dict[str, object]:
    """Every OUTBOX_RELAY_SECONDS (beat): hand over the work the broker has not taken, and the runs that were lost."""
    report = outbox_relay()
    if report.published or report.resent or report.given_up:
        logger.info("outbox relay: %s", report.as_dict())
    return report.as_dict()
