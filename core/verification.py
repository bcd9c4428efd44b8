"""Integrity checks on record (원장 검증, 감사 추적 검증): every run of the ledger's check or of the audit trail's is a
``VerificationRun``, so that auditors see when each last ran, what it found, and whether one is running now.

A person asks for a run through ``enterprises.services.verification_request`` (the access table lives in the
enterprises, above this module): ``verification_queue`` writes it queued and hands its task (``ledger.verify``,
``audit.verify``) to the outbox with the run's id. Beat and the management commands run the same check with no id:
they record a run of their own, running from the start. Either way ``verification_record`` takes the run (once: a
finished run is not run again), runs the check it is given and records what it found. The check is the caller's,
because the ledger's lives in ``ledger`` (``ledger.verification``), which this kernel base must not import; the
audit trail's is here (``audit_verification``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .actions import VERIFICATION_FINISH, VERIFICATION_REQUEST
from .audit import AuditReport, audit_check, audit_record, snapshot
from .db import transactional
from .errors import InvalidState, NotFound, ValidationFailed
from .models import OutboxMessage, VerificationRun
from .outbox import TRANSIENT, outbox_enqueue, run_limit

logger = logging.getLogger(__name__)
R = TypeVar("R")

Kind = VerificationRun.Kind
State = VerificationRun.State
# The task that runs each kind; it takes the run's id (or nothing, on beat).
TASKS: dict[str, str] = {Kind.LEDGER: "ledger.verify", Kind.AUDIT: "audit.verify"}
# What a run's events record. Taking a run (queued -> running) writes no event: the finishing event records when it
# started, and an audit trail check would otherwise count, and seal, an event of its own making.
_AUDITED = ["kind", "state", "requested_by", "requested_at", "started_at", "finished_at", "checked", "problem_count",
            "pending"]


@dataclass(frozen=True)
class Findings:
    """What a check found, in the terms a run records."""

    checked: int  # accounts (ledger) or sealed events (audit trail)
    problems: list[str]
    pending: int = 0  # audit trail: events not sealed yet


@dataclass(frozen=True)
class Outcome(Generic[R]):
    run: VerificationRun
    report: R | None  # the check's own report; None when the run had finished already and was not run again


def outbox_key(run_id: int) -> str:
    """The outbox key of a requested run's task: one message per run."""
    return f"verification:{run_id}"


def verification_kind(kind: str) -> str:
    """``kind`` if it names a kind of check; else ValidationFailed naming the field."""
    if kind not in Kind.values:
        raise ValidationFailed(
            _("Unknown kind of verification."),
            fields={"kind": [_("must be one of %(kinds)s") % {"kinds": ", ".join(Kind.values)}]},
        )
    return kind


def verification_queue(*, actor: Any, kind: str) -> VerificationRun:
    """Write a queued run of ``kind`` asked for by ``actor`` and its audit event, and have its task run once the
    caller's transaction commits (through the outbox). Runs in the caller's transaction; the caller has checked
    that ``actor`` may (``enterprises.services.verification_request``). A run of this kind left open by a task
    that can no longer finish it (its outbox message ended, or it ran past its time limit) is failed first.
    Raises ValidationFailed (unknown kind), InvalidState (a run of this kind is queued or running)."""
    kind = verification_kind(kind)
    now = timezone.now()
    open_runs = VerificationRun.objects.select_for_update().filter(kind=kind, state__in=VerificationRun.OPEN)
    for run in open_runs.order_by("id"):
        reason = _abandoned(run, now)
        if reason is None:
            raise _already_open(run)
        _fail(run, reason, now)
    try:
        with transaction.atomic():
            run = VerificationRun.objects.create(kind=kind, requested_by=actor, requested_at=now, state=State.QUEUED)
    except IntegrityError:  # another request of this kind committed between the look above and this insert
        open_run = VerificationRun.objects.filter(kind=kind, state__in=VerificationRun.OPEN).order_by("id").first()
        if open_run is None:
            raise
        raise _already_open(open_run) from None
    audit_record(actor=actor, action=VERIFICATION_REQUEST, obj=run, after=snapshot(run, _AUDITED), occurred_at=now)
    outbox_enqueue(TASKS[kind], run.pk, key=outbox_key(run.pk))
    return run


def _already_open(run: VerificationRun) -> InvalidState:
    since = timezone.localtime(run.started_at or run.requested_at).strftime("%Y-%m-%d %H:%M")
    return InvalidState(
        _("%(kind)s #%(id)s is already %(state)s (since %(since)s): wait for it to finish.")
        % {"kind": run.get_kind_display(), "id": run.pk, "state": run.get_state_display(), "since": since}
    )


def _abandoned(run: VerificationRun, now: datetime) -> str | None:
    """Why an open run will never finish, or None if it still may."""
    if run.requested_by_id is not None:
        message = OutboxMessage.objects.filter(key=outbox_key(run.pk)).first()
        if message is not None and message.done_at is not None:
            return f"its task ended without finishing the run ({message.outcome}: {message.error or '-'})"
    if run.state == State.RUNNING and run.started_at is not None and run.started_at <= now - run_limit(TASKS[run.kind]):
        started = timezone.localtime(run.started_at).isoformat(timespec="seconds")
        return f"it started at {started} and never finished (its worker stopped?)"
    return None


def _fail(run: VerificationRun, reason: str, now: datetime) -> None:
    run.state, run.finished_at = State.FAILED, now
    run.problems, run.problem_count = [reason[:2000]], 1
    run.save(update_fields=["state", "finished_at", "problems", "problem_count"])
    audit_record(actor=None, action=VERIFICATION_FINISH, obj=run, after=snapshot(run, _AUDITED), reason=reason[:2000],
                 occurred_at=now)
    logger.error("%s failed: %s", run, reason)


@transactional
def verification_start(*, kind: str, run_id: int | None = None) -> VerificationRun | None:
    """Take run ``run_id`` of ``kind`` (queued by a request; or running, when its first worker was lost) and mark it
    running; with no id, write a new run of the system's, running. None when the run has finished already (a task
    delivered twice checks once). Raises NotFound (no run ``run_id`` of that kind)."""
    kind = verification_kind(kind)
    now = timezone.now()
    if run_id is None:
        run = VerificationRun.objects.create(kind=kind, requested_at=now, started_at=now, state=State.RUNNING)
    else:
        found = VerificationRun.objects.select_for_update().filter(pk=run_id, kind=kind).first()
        if found is None:
            raise NotFound(_("No such verification run."))
        if found.state not in VerificationRun.OPEN:
            return None
        run = found
        run.state, run.started_at = State.RUNNING, now
        run.save(update_fields=["state", "started_at"])
    return run


@transactional
def verification_finish(*, run_id: int, findings: Findings) -> VerificationRun:
    """Record what the check of running run ``run_id`` found: passed with no problems, failed with any (the first
    ``MAX_PROBLEMS`` kept, all counted). A run finished meanwhile (by another worker given the same run) is left as
    it is. Raises NotFound."""
    run = VerificationRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such verification run."))
    if run.state != State.RUNNING:
        return run
    run.state = State.FAILED if findings.problems else State.PASSED
    run.finished_at = timezone.now()
    run.checked, run.pending = findings.checked, findings.pending
    run.problems = [str(problem) for problem in findings.problems[: VerificationRun.MAX_PROBLEMS]]
    run.problem_count = len(findings.problems)
    run.save(update_fields=["state", "finished_at", "checked", "pending", "problems", "problem_count"])
    audit_record(actor=None, action=VERIFICATION_FINISH, obj=run, after=snapshot(run, _AUDITED),
                 occurred_at=run.finished_at)
    return run


@transactional
def verification_fail(*, run_id: int, reason: str) -> VerificationRun | None:
    """Fail open run ``run_id`` with ``reason`` as its one problem: its check stopped, or its task will never run.
    A finished run is left as it is; None if there is no such run."""
    run = VerificationRun.objects.select_for_update().filter(pk=run_id).first()
    if run is not None and run.state in VerificationRun.OPEN:
        _fail(run, reason, timezone.now())
    return run


def verification_record(*, kind: str, run_id: int | None, check: Callable[[], R],
                        findings: Callable[[R], Findings]) -> Outcome[R]:
    """Run ``check`` as run ``run_id`` of ``kind`` (or as a new run of the system's) and record its ``findings``.
    What tasks and commands call. A finished run is not run again (the outcome's report is None). A check that
    raises fails the run, naming the error, and the error propagates; but when the database went away under a
    requested run, the run is left running for the outbox to hand over again. Raises NotFound."""
    run = verification_start(kind=kind, run_id=run_id)
    if run is None:
        assert run_id is not None
        return Outcome(VerificationRun.objects.get(pk=run_id), None)
    try:
        report = check()
    except Exception as exc:
        if not (isinstance(exc, TRANSIENT) and run.requested_by_id is not None):
            try:
                verification_fail(run_id=run.pk, reason=f"the check stopped: {type(exc).__name__}: {exc}".strip())
            except Exception:
                logger.exception("%s: could not record that its check stopped", run)
        raise
    return Outcome(verification_finish(run_id=run.pk, findings=findings(report)), report)


def audit_verification(*, run_id: int | None = None) -> Outcome[AuditReport]:
    """The audit trail's check (``audit_check``: seal what waits, then walk the hash chain) as run ``run_id``, or as
    a new run of the system's; recorded. Raises NotFound."""
    return verification_record(
        kind=Kind.AUDIT, run_id=run_id, check=audit_check,
        findings=lambda report: Findings(checked=report.events, problems=report.problems, pending=report.pending),
    )


def on_outbox_gave_up(*, message: OutboxMessage, **_: Any) -> None:
    """The outbox gave a requested run's task up (its worker died every time): the run fails, saying so, instead of
    staying open and refusing every later request."""
    if message.task in TASKS.values() and message.key.startswith("verification:") and message.args:
        verification_fail(run_id=int(message.args[0]), reason=f"its task was given up: {message.error}")
