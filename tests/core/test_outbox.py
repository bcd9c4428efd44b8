"""The transactional outbox (``core.outbox``): work is a row written in the caller's transaction, handed to Celery
after commit (eagerly here: no broker is configured), and its runs are written on the row by the Celery signals.
The relay hands over what the broker did not take and the runs lost with their worker, and gives a message up when
it was lost too often.

A tiny task, ``tests.outbox_probe``, stands for the app's tasks: it notes each call and raises what it is told to.
Where a broker is needed (it refuses the work, or takes it and the worker dies), Celery is switched out of eager
mode and the task's ``apply_async`` stands in for the broker: the outside world, not our code.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from celery import current_app, shared_task
from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from core.models import OutboxMessage
from core.outbox import (
    GRACE,
    HEADER,
    RelayReport,
    gave_up,
    outbox_enqueue,
    outbox_recover,
    outbox_relay,
    run_limit,
)
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
PROBE = "tests.outbox_probe"
Outcome = OutboxMessage.Outcome

calls: list[str] = []  # the labels the probe was called with, in order
raise_next: list[BaseException] = []  # each call raises the first of these (taken off), if any


@shared_task(name=PROBE)
def outbox_probe(label: str) -> str:
    calls.append(label)
    if raise_next:
        raise raise_next.pop(0)
    return label


@pytest.fixture(autouse=True)
def _fresh_probe() -> Iterator[None]:
    calls.clear()
    raise_next.clear()
    yield
    calls.clear()
    raise_next.clear()


@contextmanager
def broker(*, refuses: bool) -> Iterator[mock.MagicMock]:
    """Celery with a broker (not eager): one that refuses every message (unreachable), or one that takes them and
    whose worker never gets to run them (it dies). The mock records what was handed over."""
    task = current_app.tasks[PROBE]
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    side_effect = BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.") if refuses else None
    try:
        with mock.patch.object(task, "apply_async", side_effect=side_effect) as apply_async:
            yield apply_async
    finally:
        current_app.conf.task_always_eager = eager


@pytest.fixture
def as_a_worker_runs() -> Iterator[None]:
    """A run's exception stays in the run, as in a worker (which sends ``task_failure``), instead of propagating
    to the caller as this project's eager settings make it (CELERY_TASK_EAGER_PROPAGATES)."""
    propagates = current_app.conf.task_eager_propagates
    current_app.conf.task_eager_propagates = False
    yield
    current_app.conf.task_eager_propagates = propagates


@contextmanager
def received(signal: Any) -> Iterator[list[dict[str, Any]]]:
    sent: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        sent.append(kwargs)

    signal.connect(receiver, dispatch_uid="tests.outbox.received", weak=False)
    try:
        yield sent
    finally:
        signal.disconnect(dispatch_uid="tests.outbox.received")


def nothing_handed_over(report: RelayReport) -> bool:
    return (report.published, report.unreachable, report.resent, report.given_up) == (0, 0, [], [])


def started(label: str, *, at: datetime, worker: str = "celery@gone", lost: int = 0) -> OutboxMessage:
    """A message handed over and started on ``worker`` at ``at``, never ended: the worker died in the run."""
    return OutboxMessage.objects.create(task=PROBE, args=[label], key=f"probe:{label}", published_at=at, publishes=1,
                                        started_at=at, worker=worker, runs=1, lost=lost)


def enqueue_and_commit(django_capture_on_commit_callbacks: Any, label: str, **kwargs: Any) -> OutboxMessage:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox_enqueue(PROBE, label, key=kwargs.pop("key", f"probe:{label}"))
    message.refresh_from_db()
    return message


# --- enqueueing in the caller's transaction ----------------------------------------------------------------------


def test_work_enqueued_in_a_transaction_that_rolls_back_is_neither_written_nor_published(
    django_capture_on_commit_callbacks,
):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        outbox_enqueue(PROBE, "rolled back", key="probe:rolled-back")
        raise RuntimeError("the caller fails after asking")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert calls == []


def test_the_same_key_twice_gives_one_message_published_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        first = outbox_enqueue(PROBE, "first", key="probe:same")
        second = outbox_enqueue(PROBE, "second", key="probe:same")
    assert second.pk == first.pk
    assert len(callbacks) == 1
    message = OutboxMessage.objects.get()
    assert (message.key, message.task, message.args) == ("probe:same", PROBE, ["first"])
    assert calls == ["first"]
    assert (message.publishes, message.runs, message.outcome) == (1, 1, Outcome.SUCCEEDED)


def test_after_commit_the_task_runs_and_its_success_is_written_on_the_row(django_capture_on_commit_callbacks):
    before = timezone.now()
    message = enqueue_and_commit(django_capture_on_commit_callbacks, "hello")
    assert calls == ["hello"]
    assert message.outcome == Outcome.SUCCEEDED and message.error == ""
    assert (message.runs, message.publishes, message.lost) == (1, 1, 0)
    assert before <= message.published_at <= message.started_at <= message.done_at <= timezone.now()
    assert message.worker == socket.gethostname()  # an eager run is "on" this host


def test_a_task_that_raises_is_marked_failed_with_its_error(django_capture_on_commit_callbacks, as_a_worker_runs):
    raise_next.append(ValueError("the template is broken"))
    message = enqueue_and_commit(django_capture_on_commit_callbacks, "broken")
    assert calls == ["broken"]
    assert message.outcome == Outcome.FAILED and message.done_at is not None
    assert message.error == "ValueError: the template is broken"
    assert message.runs == 1


def test_a_message_for_a_task_that_does_not_exist_is_marked_failed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox_enqueue("tests.no_such_task", 1, key="probe:nobody")
    message.refresh_from_db()
    assert message.outcome == Outcome.FAILED and message.done_at is not None
    assert message.error == "no task named 'tests.no_such_task'"
    assert (message.publishes, message.runs) == (0, 0)
    assert nothing_handed_over(outbox_relay(now=timezone.now() + timedelta(hours=2)))  # done: the relay leaves it
    assert OutboxMessage.objects.filter(pk=message.pk, outcome=Outcome.FAILED).exists()  # and keeps it


# --- the broker is away --------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_unreachable_the_caller_commits_and_the_relay_hands_the_work_over_later():
    with broker(refuses=True) as apply_async:
        with transaction.atomic():  # a real commit: this test is transactional
            enterprise = EnterpriseFactory()
            message = outbox_enqueue(PROBE, "waits", key="probe:waits")
        assert apply_async.call_count == 1  # it was tried after commit, and refused
    # The caller's change is committed; the work is written down, not handed over, and says why.
    assert EnterpriseFactory._meta.model.objects.filter(pk=enterprise.pk).exists()
    message.refresh_from_db()
    assert message.published_at is None and message.publishes == 0 and message.done_at is None
    assert message.error.startswith("publish: OperationalError: Error 111 connecting")
    assert calls == []

    # Within GRACE of its creation the relay leaves it to the publish that follows its commit.
    early = outbox_relay(now=message.created_at + GRACE - timedelta(seconds=1))
    assert early.published == 0 and calls == []
    # Still unreachable: counted as such, still waiting.
    with broker(refuses=True):
        still = outbox_relay(now=message.created_at + GRACE)
    assert (still.published, still.unreachable) == (0, 1)
    message.refresh_from_db()
    assert message.published_at is None

    # The broker is back (eager: the run happens here): handed over and run once.
    report = outbox_relay(now=message.created_at + GRACE)
    assert report.published == 1
    assert calls == ["waits"]
    message.refresh_from_db()
    assert (message.outcome, message.publishes, message.runs, message.error) == (Outcome.SUCCEEDED, 1, 1, "")


def test_a_broker_that_takes_the_message_gets_its_outbox_id_in_the_headers(django_capture_on_commit_callbacks):
    with broker(refuses=False) as apply_async:
        message = enqueue_and_commit(django_capture_on_commit_callbacks, "sent")
    apply_async.assert_called_once_with(args=["sent"], headers={HEADER: message.pk})
    assert message.published_at is not None and message.publishes == 1
    assert message.started_at is None and message.done_at is None  # the worker has not started it yet
    # Published: the relay does not hand it over again, however late.
    with broker(refuses=False) as again:
        outbox_relay(now=timezone.now() + timedelta(minutes=30))
    again.assert_not_called()


# --- runs lost with their worker ------------------------------------------------------------------------------------


def test_a_run_started_longer_ago_than_the_tasks_limit_is_handed_over_again():
    long_ago = timezone.now() - timedelta(days=1)
    message = started("lost once", at=long_ago)
    limit = run_limit(PROBE)

    assert outbox_relay(now=long_ago + limit - timedelta(seconds=1)).resent == []  # it may still be running
    message.refresh_from_db()
    assert (message.lost, message.started_at) == (0, long_ago)

    report = outbox_relay(now=long_ago + limit)
    assert report.resent == [message.pk] and report.given_up == []
    assert calls == ["lost once"]
    message.refresh_from_db()
    assert message.lost == 1
    assert (message.outcome, message.runs, message.publishes) == (Outcome.SUCCEEDED, 2, 2)


def test_a_run_lost_max_lost_times_is_given_up_and_the_gave_up_signal_is_sent():
    assert settings.OUTBOX_MAX_LOST == 3
    t0 = timezone.now() - timedelta(days=1)
    message = started("always dies", at=t0, worker="celery@oom")
    limit = run_limit(PROBE)
    with broker(refuses=False) as apply_async, received(gave_up) as sent:
        for attempt in (1, 2):
            report = outbox_relay(now=t0 + limit)
            assert report.resent == [message.pk], attempt
            message.refresh_from_db()
            assert (message.lost, message.done_at, message.started_at) == (attempt, None, None)
            assert message.error == "run lost on celery@oom"
            assert message.published_at is not None  # handed to the broker again
            # The next worker starts it, and dies too.
            OutboxMessage.objects.filter(pk=message.pk).update(started_at=t0, worker="celery@oom")
        assert sent == []
        report = outbox_relay(now=t0 + limit)
    assert report.given_up == [message.pk] and report.resent == []
    assert apply_async.call_count == 2  # not handed over a third time
    message.refresh_from_db()
    assert (message.lost, message.outcome, message.done_at) == (3, Outcome.GAVE_UP, t0 + limit)
    assert message.error == "gave up: 3 runs were started and never ended (last on celery@oom)"
    assert [s["message"].pk for s in sent] == [message.pk]
    assert sent[0]["sender"] is OutboxMessage
    assert calls == []
    # Given up is done: the relay leaves it from now on.
    assert nothing_handed_over(outbox_relay(now=t0 + 10 * limit))


def test_a_worker_starting_again_hands_over_its_namesakes_runs_at_once_and_no_others():
    now = timezone.now()
    mine = started("mine", at=now, worker="celery@w1")
    theirs = started("theirs", at=now, worker="celery@w2")
    mine_done = OutboxMessage.objects.create(task=PROBE, args=["done"], key="probe:done", started_at=now,
                                             worker="celery@w1", runs=1, done_at=now, outcome=Outcome.SUCCEEDED)

    report = outbox_recover(worker="celery@w1")

    assert report.resent == [mine.pk] and report.given_up == []
    assert calls == ["mine"]
    mine.refresh_from_db()
    assert (mine.lost, mine.outcome, mine.runs) == (1, Outcome.SUCCEEDED, 2)
    theirs.refresh_from_db()
    assert (theirs.lost, theirs.started_at, theirs.done_at, theirs.runs) == (0, now, None, 1)
    mine_done.refresh_from_db()
    assert (mine_done.lost, mine_done.runs) == (0, 1)


# --- the database goes away during a run ---------------------------------------------------------------------------


def test_a_run_that_fails_on_a_database_error_goes_back_to_unpublished_and_is_handed_over_again(
    django_capture_on_commit_callbacks, as_a_worker_runs,
):
    raise_next.append(OperationalError("server closed the connection unexpectedly"))
    message = enqueue_and_commit(django_capture_on_commit_callbacks, "db away")
    assert calls == ["db away"]
    assert (message.done_at, message.outcome, message.published_at, message.started_at) == (None, "", None, None)
    assert message.error == "OperationalError: server closed the connection unexpectedly"
    assert message.runs == 1

    report = outbox_relay(now=message.created_at + GRACE)
    assert report.published == 1
    assert calls == ["db away", "db away"]
    message.refresh_from_db()
    assert (message.outcome, message.runs, message.publishes, message.error) == (Outcome.SUCCEEDED, 2, 2, "")


# --- without a broker (eager, as in development and the demo) ------------------------------------------------------


@pytest.mark.parametrize("error, outcome", [
    (ValueError("the template is broken"), {"done": True, "outcome": Outcome.FAILED}),
    (OperationalError("the database went away"), {"done": False, "outcome": ""}),
], ids=["failed", "database error"])
def test_without_a_broker_a_failing_run_is_written_on_its_row_too(django_capture_on_commit_callbacks, error, outcome):
    """With CELERY_TASK_EAGER_PROPAGATES (the project's setting), the run's exception reaches ``_publish``, which
    logs it; the row must still say how the run ended, not stay started for ever."""
    assert current_app.conf.task_always_eager and current_app.conf.task_eager_propagates
    raise_next.append(error)
    message = enqueue_and_commit(django_capture_on_commit_callbacks, "eager failure")
    assert calls == ["eager failure"]
    assert message.error == f"{type(error).__name__}: {error}"
    assert (message.done_at is not None, message.outcome) == (outcome["done"], outcome["outcome"])
    if not outcome["done"]:
        assert (message.published_at, message.started_at) == (None, None)  # for the relay to hand it over again


def test_a_run_that_fails_on_a_database_error_before_the_publisher_notes_the_handover_is_still_handed_over_again(
    django_capture_on_commit_callbacks, as_a_worker_runs,
):
    """A worker may take the message and run it before the publishing process has written ``published_at`` (the
    broker answers, the worker is idle). If that run fails on a database error, the row is reset for the relay, and
    the publisher's note must not then make it look handed over and in nobody's hands for ever."""
    raise_next.append(OperationalError("the database went away"))
    with broker(refuses=False) as apply_async:
        task = current_app.tasks[PROBE]
        apply_async.side_effect = lambda args, headers: task.apply(args=args, headers=headers)  # the worker, at once
        message = enqueue_and_commit(django_capture_on_commit_callbacks, "quick worker")
    assert calls == ["quick worker"]
    assert message.error == "OperationalError: the database went away" and message.done_at is None

    report = outbox_relay(now=message.created_at + GRACE + timedelta(hours=2))

    assert report.published + len(report.resent) == 1, (report.as_dict(), message.published_at, message.started_at)
    message.refresh_from_db()
    assert message.outcome == Outcome.SUCCEEDED


# --- forgetting what is long done ----------------------------------------------------------------------------------


def test_the_relay_forgets_messages_that_succeeded_more_than_outbox_keep_days_ago_and_keeps_the_rest(settings):
    settings.OUTBOX_KEEP_DAYS = 30
    now = timezone.now()

    def done(key: str, outcome: str, days_ago: float) -> OutboxMessage:
        at = now - timedelta(days=days_ago)
        return OutboxMessage.objects.create(task=PROBE, args=[key], key=key, published_at=at, started_at=at,
                                            runs=1, done_at=at, outcome=outcome)

    old = done("old success", Outcome.SUCCEEDED, 30.01)
    kept = [done("recent success", Outcome.SUCCEEDED, 29.99), done("old failure", Outcome.FAILED, 400),
            done("old give-up", Outcome.GAVE_UP, 400),
            OutboxMessage.objects.create(task=PROBE, args=["open"], key="open", published_at=now)]

    report = outbox_relay(now=now)

    assert report.pruned == 1 and nothing_handed_over(report)
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()
    assert sorted(OutboxMessage.objects.values_list("pk", flat=True)) == sorted(m.pk for m in kept)


def test_a_message_the_broker_took_and_lost_is_handed_over_again_after_its_visibility_timeout(
        django_capture_on_commit_callbacks):
    """Redis restarted without persistence, say: published, never started. Once it has been away longer than Redis
    would keep an unacknowledged message, the relay hands it over again (and only then)."""
    with broker(refuses=False):
        message = enqueue_and_commit(django_capture_on_commit_callbacks, "lost-by-the-broker")
    published = message.published_at
    timeout = timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    with broker(refuses=False) as early:
        outbox_relay(now=published + timeout)
    early.assert_not_called()
    with broker(refuses=False) as late:
        report = outbox_relay(now=published + timeout + timedelta(minutes=2))
    late.assert_called_once()
    assert report.published == 1
    message.refresh_from_db()
    assert message.publishes == 2 and message.lost == 0 and message.done_at is None
