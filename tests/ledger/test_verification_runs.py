"""The ledger's check on record (원장 검증): asked for by staff, run by its task through the outbox, by beat or by
``manage.py ledger_verify``; each run says when it ran, how many accounts it checked and what it found."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent, OutboxMessage, VerificationRun
from core.outbox import run_limit
from core.verification import Findings, verification_record
from enterprises.services import verification_request
from ledger.services import journal_reverse
from ledger.tasks import verify_ledger
from ledger.verification import ledger_verification
from tests.ledger.helpers import ON, contribute, spend

pytestmark = pytest.mark.django_db

State = VerificationRun.State


@pytest.fixture
def busy_ledger(accounts):
    contribute(accounts, 300_000_000, "c")
    spend(accounts, 1_250_000, "s1")
    mistake = spend(accounts, 400_000, "s2").journal
    journal_reverse(journal_id=mistake.pk, effective_date=ON, reason="이중 지급")
    return accounts


def tamper_with_cash(accounts) -> None:
    """Cash's stored counters moved without an entry (a debit-normal account: every CHECK constraint still holds)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET debit_total = debit_total + 500, balance = balance + 500 "
                       "WHERE id = %s", [accounts["cash"].pk])


def request_and_run(actor, capture, kind: str = "ledger") -> VerificationRun:
    """Ask for a check and let the commit hand its task over (no broker: it runs at once)."""
    with capture(execute=True):
        run = verification_request(actor=actor, kind=kind)
    run.refresh_from_db()
    return run


def test_a_request_queues_a_run_and_hands_its_task_to_the_outbox_in_the_same_transaction(
        busy_ledger, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = verification_request(actor=auditor, kind="ledger")

    assert (run.kind, run.state, run.requested_by, run.started_at, run.finished_at) == (
        "ledger", State.QUEUED, auditor, None, None)
    message = OutboxMessage.objects.get(key=f"verification:{run.pk}")
    assert (message.task, message.args, message.published_at) == ("ledger.verify", [run.pk], None)
    event = AuditEvent.objects.get(action="core.verification.request")
    assert (event.actor, event.object_id, event.after["state"], event.after["kind"]) == (
        auditor, str(run.pk), "queued", "ledger")
    assert callbacks, "nothing is handed over before the commit"


def test_a_requested_run_on_a_clean_ledger_ends_passed_with_the_accounts_it_checked(
        busy_ledger, auditor, django_capture_on_commit_callbacks):
    run = request_and_run(auditor, django_capture_on_commit_callbacks)

    assert (run.state, run.checked, run.problems, run.problem_count) == (State.PASSED, 5, [], 0)
    assert run.requested_at <= run.started_at <= run.finished_at
    assert OutboxMessage.objects.get(key=f"verification:{run.pk}").outcome == OutboxMessage.Outcome.SUCCEEDED
    finish = AuditEvent.objects.get(action="core.verification.finish")
    assert (finish.actor, finish.actor_label, finish.object_id) == (None, "system", str(run.pk))
    assert (finish.after["state"], finish.after["checked"], finish.after["problem_count"]) == ("passed", 5, 0)


def test_a_tampered_ledger_ends_the_run_failed_with_the_problem_recorded(
        busy_ledger, manager, django_capture_on_commit_callbacks):
    tamper_with_cash(busy_ledger)

    run = request_and_run(manager, django_capture_on_commit_callbacks)

    cash = busy_ledger["cash"]
    assert (run.state, run.checked, run.problem_count) == (State.FAILED, 5, 1)
    assert run.problems[0].startswith(f"account {cash} (#{cash.pk}): stored debits/credits/balance")
    assert AuditEvent.objects.get(action="core.verification.finish").after["problem_count"] == 1


def test_an_enterprise_member_may_not_ask_for_a_check_and_nothing_is_written(busy_ledger, member):
    with pytest.raises(Forbidden):
        verification_request(actor=member, kind="ledger")

    assert not VerificationRun.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="core.").exists()


def test_an_unknown_kind_is_refused_naming_the_field(auditor):
    with pytest.raises(ValidationFailed) as refused:
        verification_request(actor=auditor, kind="bank")

    assert list(refused.value.fields) == ["kind"]
    assert "ledger, audit" in refused.value.fields["kind"][0]
    assert not VerificationRun.objects.exists()


def test_a_second_request_while_one_is_queued_is_refused_naming_the_run_but_another_kind_is_not(
        busy_ledger, auditor, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = verification_request(actor=auditor, kind="ledger")
        with pytest.raises(InvalidState, match=rf"원장 검증 #{first.pk}이\(가\) 이미 대기 중 상태"):
            verification_request(actor=manager, kind="ledger")
        audit_run = verification_request(actor=manager, kind="audit")

    assert list(VerificationRun.objects.order_by("id").values_list("kind", "state")) == [
        ("ledger", "queued"), ("audit", "queued")]
    assert OutboxMessage.objects.count() == 2
    assert audit_run.pk != first.pk


def test_a_second_request_while_one_is_running_is_refused_and_after_it_finishes_is_accepted(
        busy_ledger, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = verification_request(actor=auditor, kind="ledger")
    VerificationRun.objects.filter(pk=run.pk).update(state=State.RUNNING, started_at=timezone.now())

    with pytest.raises(InvalidState, match="이미 실행 중 상태"):
        verification_request(actor=auditor, kind="ledger")

    ledger_verification(run_id=run.pk)  # the worker finishes it
    again = request_and_run(auditor, django_capture_on_commit_callbacks)
    assert again.state == State.PASSED


def test_a_run_whose_task_the_outbox_gave_up_is_failed_and_a_new_request_is_accepted(
        busy_ledger, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        lost = verification_request(actor=auditor, kind="ledger")
    OutboxMessage.objects.filter(key=f"verification:{lost.pk}").update(
        done_at=timezone.now(), outcome=OutboxMessage.Outcome.GAVE_UP,
        error="gave up: 3 runs were started and never ended")

    run = request_and_run(auditor, django_capture_on_commit_callbacks)

    lost.refresh_from_db()
    assert (lost.state, lost.problem_count) == (State.FAILED, 1)
    assert lost.problems[0].startswith("its task ended without finishing the run (gave_up: gave up: 3 runs")
    assert run.state == State.PASSED


def test_the_outbox_giving_a_run_up_fails_it_at_once(busy_ledger, auditor, django_capture_on_commit_callbacks,
                                                      settings):
    from core.outbox import outbox_relay

    settings.OUTBOX_MAX_LOST = 1
    with django_capture_on_commit_callbacks(execute=False):
        run = verification_request(actor=auditor, kind="ledger")
    # Its worker took it and died: started long ago, never ended.
    long_ago = timezone.now() - timedelta(days=1)
    OutboxMessage.objects.filter(key=f"verification:{run.pk}").update(published_at=long_ago, started_at=long_ago)

    report = outbox_relay()

    run.refresh_from_db()
    assert report.given_up == [OutboxMessage.objects.get(key=f"verification:{run.pk}").pk]
    assert run.state == State.FAILED
    assert run.problems[0].startswith("its task was given up: gave up: 1 runs were started and never ended")


def test_a_run_left_running_past_its_time_limit_is_failed_when_the_next_is_asked_for(
        busy_ledger, auditor, django_capture_on_commit_callbacks):
    beat_run = VerificationRun.objects.create(
        kind="ledger", state=State.RUNNING, requested_at=timezone.now() - timedelta(hours=3),
        started_at=timezone.now() - run_limit("ledger.verify") - timedelta(minutes=1))

    run = request_and_run(auditor, django_capture_on_commit_callbacks)

    beat_run.refresh_from_db()
    assert beat_run.state == State.FAILED
    assert "never finished" in beat_run.problems[0]
    assert run.state == State.PASSED


def test_a_finished_run_is_not_run_again(busy_ledger, auditor, django_capture_on_commit_callbacks):
    run = request_and_run(auditor, django_capture_on_commit_callbacks)
    tamper_with_cash(busy_ledger)  # a second check would fail

    result = verify_ledger.delay(run.pk).get()  # the broker delivers the task again

    assert result == {"run": run.pk, "ok": True, "accounts": 5, "problems": []}
    fresh = VerificationRun.objects.get(pk=run.pk)
    assert (fresh.state, fresh.finished_at) == (State.PASSED, run.finished_at)
    assert AuditEvent.objects.filter(action="core.verification.finish").count() == 1


def test_a_task_given_a_run_of_another_kind_or_none_at_all_is_refused(busy_ledger, auditor,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        audit_run = verification_request(actor=auditor, kind="audit")

    with pytest.raises(NotFound):
        ledger_verification(run_id=audit_run.pk)
    with pytest.raises(NotFound):
        ledger_verification(run_id=audit_run.pk + 1000)
    assert VerificationRun.objects.get(pk=audit_run.pk).state == State.QUEUED


def test_beat_without_a_run_records_a_run_of_the_systems(busy_ledger):
    result = verify_ledger.delay().get()

    run = VerificationRun.objects.get()
    assert result == {"run": run.pk, "ok": True, "accounts": 5, "journals": 4, "problems": []}
    assert (run.kind, run.requested_by, run.state, run.checked) == ("ledger", None, State.PASSED, 5)


def test_the_command_records_a_run_and_keeps_its_output(busy_ledger):
    out, err = StringIO(), StringIO()

    call_command("ledger_verify", stdout=out, stderr=err)

    assert out.getvalue().splitlines()[-1] == "ledger_verify: every account agrees with its entries"
    run = VerificationRun.objects.get()
    assert (run.requested_by, run.state, run.checked, run.problem_count) == (None, State.PASSED, 5, 0)


def test_the_command_on_a_tampered_ledger_exits_non_zero_and_records_the_run_failed(busy_ledger):
    tamper_with_cash(busy_ledger)

    with pytest.raises(CommandError, match="1 differences"):
        call_command("ledger_verify", stdout=StringIO(), stderr=StringIO())

    run = VerificationRun.objects.get()
    assert (run.state, run.problem_count) == (State.FAILED, 1)
    assert f"#{busy_ledger['cash'].pk}" in run.problems[0]


def test_the_command_runs_even_while_a_requested_run_waits(busy_ledger, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        waiting = verification_request(actor=auditor, kind="ledger")

    call_command("ledger_verify", stdout=StringIO(), stderr=StringIO())

    assert VerificationRun.objects.get(pk=waiting.pk).state == State.QUEUED
    assert VerificationRun.objects.filter(requested_by=None, state=State.PASSED).count() == 1


def test_a_check_that_raises_fails_its_run_naming_the_error_and_the_error_propagates(db):
    def broken() -> object:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        verification_record(kind="ledger", run_id=None, check=broken, findings=lambda _: Findings(0, []))

    run = VerificationRun.objects.get()
    assert (run.state, run.problems) == (State.FAILED, ["the check stopped: RuntimeError: disk full"])
    assert run.finished_at is not None


@pytest.mark.postgres
def test_two_requests_at_the_same_moment_queue_one_run(transactional_db):
    from tests.concurrency import run_together
    from tests.factories import AuditorFactory

    auditors = [AuditorFactory(), AuditorFactory()]
    results = run_together(2, lambda i: verification_request(actor=auditors[i], kind="audit"),
                           expected=(InvalidState,))

    assert sorted(type(r).__name__ for r in results) == ["InvalidState", "VerificationRun"]
    assert VerificationRun.objects.filter(requested_by__isnull=False).count() == 1
