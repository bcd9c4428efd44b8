"""The ledger's check on record (원장 검증): ``ledger_check`` run as a ``core`` verification run, so that auditors see
when it last ran and what it found. The task ``ledger.verify`` and ``manage.py ledger_verify`` call it."""

from __future__ import annotations

from core.models import VerificationRun
from core.verification import Findings, Outcome, verification_record

from .selectors import LedgerReport, ledger_check


def ledger_verification(*, run_id: int | None = None) -> Outcome[LedgerReport]:
    """Recompute every balance from the entries (``ledger_check``) as verification run ``run_id`` (queued by a
    person's request), or as a new run of the system's (beat, the command); record how many accounts were checked
    and the problems found. A run already finished is not run again (the outcome's report is None). Raises
    NotFound (no ledger run ``run_id``)."""
    return verification_record(
        kind=VerificationRun.Kind.LEDGER, run_id=run_id, check=ledger_check,
        findings=lambda report: Findings(checked=report.accounts, problems=report.problems),
    )
