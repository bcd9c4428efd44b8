"""Background jobs over the audit trail."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

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
    problems = []
    try:
        audit_seal()
    except DatabaseError as exc:  # an event forged into the chain's next place, say: the check below says more
        problems.append(f"sealing the waiting events failed: {exc}".strip())
    report = audit_verify()
    problems = [*report.problems, *problems]
    for problem in problems:
        logger.error("audit_verify: %s", problem)
    logger.info("audit_verify: %s events, %s problems, %s not sealed yet", report.events, len(problems), report.pending)
    return {"ok": not problems, "events": report.events, "problems": problems, "pending": report.pending}


@shared_task(name="outbox.relay")
def relay_outbox() -> dict[str, object]:
    """Every OUTBOX_RELAY_SECONDS (beat): hand over the work the broker has not taken, and the runs that were lost."""
    report = outbox_relay()
    if report.published or report.resent or report.given_up:
        logger.info("outbox relay: %s", report.as_dict())
    return report.as_dict()
