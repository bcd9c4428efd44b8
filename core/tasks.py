"""Background jobs over the audit trail."""

from __future__ import annotations

import logging

from celery import shared_task

from .audit import audit_seal, audit_verify
from .outbox import outbox_relay

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
def verify_audit_trail() -> dict[str, object]:
    """Nightly: seal what is waiting, then walk the hash chain. Logs an error for every edited or deleted event,
    and for every event the sealer has left behind."""
    audit_seal()
    report = audit_verify()
    for problem in report.problems:
        logger.error("audit_verify: %s", problem)
    logger.info(
        "audit_verify: %s events, %s problems, %s not sealed yet", report.events, len(report.problems), report.pending
    )
    return {"ok": report.ok, "events": report.events, "problems": report.problems, "pending": report.pending}


@shared_task(name="outbox.relay")
def relay_outbox() -> dict[str, object]:
    """Every OUTBOX_RELAY_SECONDS (beat): hand over the work the broker has not taken, and the runs that were lost."""
    report = outbox_relay()
    if report.published or report.resent or report.given_up:
        logger.info("outbox relay: %s", report.as_dict())
    return report.as_dict()
