"""Background jobs over the audit trail."""

from __future__ import annotations

import logging

from celery import shared_task

from .audit import audit_verify

logger = logging.getLogger(__name__)


@shared_task(name="audit.verify", acks_late=True)
def verify_audit_trail() -> dict[str, object]:
    """Nightly: walk the hash chain. Logs an error for every edited or deleted event."""
    report = audit_verify()
    for problem in report.problems:
        logger.error("audit_verify: %s", problem)
    logger.info("audit_verify: %s events, %s problems", report.events, len(report.problems))
    return {"ok": report.ok, "events": report.events, "problems": report.problems}
