"""The transactional outbox: background work that survives the broker being away and workers being killed.

A service that wants work done (render a statement, say) calls ``outbox_enqueue`` inside its own transaction. The
work is a row of ``OutboxMessage``, committed with the change that asked for it or not at all. After commit it is
handed to Celery; the message carries the row's id in a header (``outbox_id``), and the worker writes on the row when
a run starts and how it ended (the signals below).

What can go wrong, and what then happens:

- **The broker is unreachable** when the work is handed over: the request that asked still succeeds (its change is
  committed); the row stays unpublished; ``outbox.relay`` (Celery beat, every ``OUTBOX_RELAY_SECONDS``) hands it over
  once the broker answers.
- **The worker is killed** (SIGKILL, out of memory) in the middle of a run: the row says started and never ended.
  A worker starting under the same name hands such runs over again at once (``outbox_recover``: its namesake is
  gone); otherwise the relay does, once the run is older than the task's hard time limit (no run can last longer).
  A run lost ``OUTBOX_MAX_LOST`` times is given up: the ``gave_up`` signal tells the app that asked (a statement is
  then marked failed) and an error is logged.
- **The broker loses a message** it took (Redis restarted without persistence): a message handed over and never
  started for longer than the broker's visibility timeout is handed over again.
- **The database is unreachable** during a run: the run fails with a database error; the row goes back to
  unpublished (when it can be written) and the relay hands it over again.

Every task is idempotent, so being handed over twice (the relay and Redis's own redelivery after its visibility
timeout) costs a second run that finds the work done, never a second result.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

HEADER = "outbox_id"
TRANSIENT = (OperationalError, InterfaceError)  # the database went away: the run is tried again, not failed
GRACE = timedelta(seconds=10)  # the relay leaves a fresh row to the publish that follows its commit
MARGIN = timedelta(seconds=60)  # beyond a task's hard time limit before its run counts as lost
DEFAULT_LIMIT = timedelta(hours=1)  # a task without a time limit

# Sent inside the transaction that gives a message up (``message``: the OutboxMessage).
gave_up = Signal()


@dataclass
class RelayReport:
    published: int = 0
    unreachable: int = 0
    resent: list[int] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)
    pruned: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"published": self.published, "unreachable": self.unreachable, "resent": self.resent,
                "given_up": self.given_up, "pruned": self.pruned}


def outbox_enqueue(task: str, *args: Any, key: str) -> OutboxMessage:
    """Ask for ``task(*args)`` to run once the caller's transaction commits. ``key`` names the work: asking twice
    with one key gives the first message (and enqueues nothing more)."""
    message, created = OutboxMessage.objects.get_or_create(key=key, defaults={"task": task, "args": list(args)})
    if created:
        transaction.on_commit(lambda: outbox_publish([message.pk]))
    return message


def _task(name: str) -> Any:
    from celery import current_app

    if name not in current_app.tasks:
        # Outside a worker the apps' task modules are imported on first need (autodiscovery is lazy).
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def outbox_publish(ids: list[int]) -> RelayReport:
    """Hand these messages (those not done) to the broker. Never raises: a message the broker did not take stays
    unpublished, for the relay."""
    report = RelayReport()
    try:
        messages = list(OutboxMessage.objects.filter(pk__in=ids, done_at__isnull=True).order_by("id"))
    except DatabaseError:
        logger.warning("outbox: the database is unreachable; %s message(s) are left to the relay", len(ids))
        report.unreachable = len(ids)
        return report
    for message in messages:
        if _publish(message):
            report.published += 1
        else:
            report.unreachable += 1
    return report


def _publish(message: OutboxMessage) -> bool:
    try:
        task = _task(message.task)
    except KeyError:
        logger.error("outbox %s: no task named %r; the message is dropped", message.pk, message.task)
        OutboxMessage.objects.filter(pk=message.pk).update(
            done_at=timezone.now(), outcome=OutboxMessage.Outcome.FAILED, error=f"no task named {message.task!r}")
        return False
    headers = {HEADER: message.pk}
    if task.app.conf.task_always_eager:
        # No broker: the task runs here and now, and its signals record how it went.
        _mark_published(message.pk)
        try:
            task.apply_async(args=message.args, headers=headers)
        except Exception as exc:
            # Eager tasks that propagate their exceptions send no task_failure signal: record it here.
            logger.exception("outbox %s: %s%s failed", message.pk, message.task, tuple(message.args))
            _record_failure(message.pk, exc)
        return True
    # Noted before it is handed over: an idle worker may start (and finish) the run before this line would
    # otherwise be reached, and its record must not be overwritten.
    try:
        _mark_published(message.pk)
    except DatabaseError:
        logger.warning("outbox %s: the database is unreachable; the relay hands it over later", message.pk)
        return False
    try:
        task.apply_async(args=message.args, headers=headers)
    except Exception as exc:  # noqa: BLE001 - the broker is away, whatever kombu calls it
        logger.warning("outbox %s: the broker did not take %s (%s: %s); the relay hands it over later",
                       message.pk, message.task, type(exc).__name__, exc)
        with contextlib.suppress(DatabaseError):
            OutboxMessage.objects.filter(pk=message.pk, started_at__isnull=True).update(
                published_at=None, publishes=F("publishes") - 1, error=f"publish: {type(exc).__name__}: {exc}"[:2000])
        return False
    return True


def _mark_published(pk: int) -> None:
    OutboxMessage.objects.filter(pk=pk).update(published_at=timezone.now(), publishes=F("publishes") + 1)


def run_limit(task: str) -> timedelta:
    """How long a run of ``task`` can last at most: its hard time limit (CELERY_TASK_ANNOTATIONS, else
    CELERY_TASK_TIME_LIMIT) plus a margin."""
    annotations = getattr(settings, "CELERY_TASK_ANNOTATIONS", None) or {}
    seconds = (annotations.get(task) or {}).get("time_limit") or getattr(settings, "CELERY_TASK_TIME_LIMIT", None)
    return (timedelta(seconds=seconds) if seconds else DEFAULT_LIMIT) + MARGIN


def _broker_timeout() -> timedelta:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    return timedelta(seconds=options.get("visibility_timeout", 3600)) + MARGIN


def outbox_relay(*, now: datetime | None = None) -> RelayReport:
    """What beat runs: hand over the messages the broker has not taken yet, and again those whose run was lost;
    forget those that succeeded more than OUTBOX_KEEP_DAYS ago (failed and given-up ones are kept)."""
    now = now or timezone.now()
    open_messages = OutboxMessage.objects.filter(done_at__isnull=True)
    waiting = list(open_messages.filter(published_at__isnull=True, created_at__lte=now - GRACE)
                   .order_by("id").values_list("pk", flat=True)[:1000])
    # Handed over but never started for longer than Redis keeps an unacknowledged message: lost by the broker
    # (restarted without persistence, say). Handed over again, at most once per that period.
    unseen = now - _broker_timeout()
    waiting += list(open_messages.filter(published_at__lt=unseen, started_at__isnull=True)
                    .order_by("id").values_list("pk", flat=True)[:1000])
    report = outbox_publish(waiting)
    lost = [m for m in open_messages.filter(started_at__isnull=False).only("pk", "task", "started_at").order_by("id")
            if m.started_at is not None and m.started_at <= now - run_limit(m.task)]
    _hand_over_lost(lost, now, report)
    report.pruned, _ = OutboxMessage.objects.filter(
        outcome=OutboxMessage.Outcome.SUCCEEDED, done_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)).delete()
    return report


def outbox_recover(*, worker: str) -> RelayReport:
    """When a worker starts: the runs that a worker of the same name started and never ended are lost, since that
    worker is gone (two running workers never share a name; Celery refuses it)."""
    report = RelayReport()
    _hand_over_lost(list(OutboxMessage.objects.filter(done_at__isnull=True, started_at__isnull=False,
                                                        worker=worker).order_by("id")), timezone.now(), report)
    return report


def _hand_over_lost(messages: list[OutboxMessage], now: datetime, report: RelayReport) -> None:
    again = []
    for seen in messages:
        with transaction.atomic():
            # Still as it was seen: not ended, nor started again, since.
            message = (OutboxMessage.objects.select_for_update()
                       .filter(pk=seen.pk, done_at__isnull=True, started_at=seen.started_at).first())
            if message is None:
                continue
            message.lost += 1
            if message.lost >= settings.OUTBOX_MAX_LOST:
                message.done_at = now
                message.outcome = OutboxMessage.Outcome.GAVE_UP
                message.error = (f"gave up: {message.lost} runs were started and never ended "
                                 f"(last on {message.worker or 'an unknown worker'})")
                message.save(update_fields=["lost", "done_at", "outcome", "error"])
                gave_up.send(sender=OutboxMessage, message=message)
                logger.error("outbox %s: %s%s %s", message.pk, message.task, tuple(message.args), message.error)
                report.given_up.append(message.pk)
                continue
            message.started_at = None
            message.published_at = None
            message.error = f"run lost on {message.worker or 'an unknown worker'}"
            message.save(update_fields=["lost", "started_at", "published_at", "error"])
            logger.warning("outbox %s: the run of %s%s on %s was lost; handing it over again", message.pk,
                           message.task, tuple(message.args), message.worker or "an unknown worker")
            again.append(message.pk)
    if again:
        published = outbox_publish(again)
        report.published += published.published
        report.unreachable += published.unreachable
        report.resent.extend(again)


# --- Celery signals: the worker writes how each run went ----------------------------------------------------------


def _message_id(task: Any) -> int | None:
    request = getattr(task, "request", None)
    value = getattr(request, HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _write(task: Any, what: str, **values: Any) -> None:
    pk = _message_id(task)
    if pk is not None:
        _update(pk, what, **values)


def _update(pk: int, what: str, **values: Any) -> None:
    try:
        OutboxMessage.objects.filter(pk=pk, done_at__isnull=True).update(**values)
    except DatabaseError as exc:
        logger.warning("outbox %s: could not record %s (%s)", pk, what, type(exc).__name__)


def on_task_prerun(task: Any = None, **_: Any) -> None:
    hostname = getattr(getattr(task, "request", None), "hostname", None) or ""
    _write(task, "the start", started_at=timezone.now(), worker=hostname[:200], runs=F("runs") + 1)


def on_task_success(sender: Any = None, **_: Any) -> None:
    _write(sender, "the success", done_at=timezone.now(), outcome=OutboxMessage.Outcome.SUCCEEDED, error="")


def on_task_failure(sender: Any = None, exception: BaseException | None = None, **_: Any) -> None:
    pk = _message_id(sender)
    if pk is not None:
        _record_failure(pk, exception)


def _record_failure(pk: int, exception: BaseException | None) -> None:
    error = f"{type(exception).__name__}: {exception}"[:2000] if exception is not None else "failed"
    if isinstance(exception, TRANSIENT):
        # The database was away: the run did nothing (its transaction rolled back); hand it over again.
        _update(pk, "the failure", started_at=None, published_at=None, error=error)
        return
    _update(pk, "the failure", done_at=timezone.now(), outcome=OutboxMessage.Outcome.FAILED, error=error)


def on_worker_ready(sender: Any = None, **_: Any) -> None:
    from django.db import connections

    hostname = getattr(sender, "hostname", None)
    if not hostname:
        return
    try:
        report = outbox_recover(worker=hostname)
        if report.resent or report.given_up:
            logger.warning("outbox: %s started again; lost runs handed over: %s, given up: %s", hostname,
                           report.resent, report.given_up)
    except DatabaseError as exc:
        logger.warning("outbox: could not look for lost runs at start (%s); the relay will", type(exc).__name__)
    finally:
        connections.close_all()  # not to be inherited by pool processes forked later


def connect_celery_signals() -> None:
    from celery.signals import task_failure, task_prerun, task_success, worker_ready

    task_prerun.connect(on_task_prerun, weak=False, dispatch_uid="outbox.prerun")
    task_success.connect(on_task_success, weak=False, dispatch_uid="outbox.success")
    task_failure.connect(on_task_failure, weak=False, dispatch_uid="outbox.failure")
    worker_ready.connect(on_worker_ready, weak=False, dispatch_uid="outbox.worker_ready")
