"""Background jobs over the audit trail."""

from __future__ import annotations

import logging

from celery import shared_task

from .audit import audit_verify
from .outbox import outbox_relay

logger = logging.getLogger(__name__)


@shared_task(name="audit.verify", acks_late=True)
def verify_audit_trail() -> dict[str, object]:
    """Nightly: walk the hash chain. Logs an error for every edited or deleted event."""
    report = audit_verify()
    for problem in report.problems:
        logger.error("audit_verify: %s", problem)
    logger.info("audit_verify: %s events, %s problems", report.events, len(report.problems))
    return {"ok": report.ok, "events": report.events, "problems": report.problems}


@shared_task(name="outbox.relay")
def relay_outbox() -> dict[str, object]:
    """Every OUTBOX_RELAY_SECONDS (beat): hand over the work the broker has not taken, and the runs that were lost."""
    report = outbox_relay()
    if report.published or report.resent or report.given_up:
        logger.info("outbox relay: %s", report.as_dict())
    return report.as_dict()
