"""The audit trail's check on record (감사 추적 검증), and what the pages read of the checks' runs: the last finished
run and the one in progress per kind, and the history, newest first."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core.audit import audit_seal
from core.errors import ValidationFailed
from core.models import AuditEvent, VerificationRun
from core.selectors import verification_latest, verification_runs
from core.tasks import verify_audit_trail
from core.verification import Findings, verification_finish, verification_start
from enterprises.services import verification_request
from tests.core.helpers import append_only_guard_off
from tests.core.test_audit import record_events
from tests.factories import AuditorFactory

pytestmark = pytest.mark.django_db

State = VerificationRun.State


def request_and_run(actor, capture, kind: str = "audit") -> VerificationRun:
    with capture(execute=True):
        run = verification_request(actor=actor, kind=kind)
    run.refresh_from_db()
    return run


def test_a_requested_audit_trail_check_ends_passed_with_the_events_it_checked(auditor,
                                                                             django_capture_on_commit_callbacks):
    record_events(3)

    run = request_and_run(auditor, django_capture_on_commit_callbacks)

    # The three, and the request's own event (sealed by the check before it walks the chain).
    assert (run.kind, run.state, run.checked, run.pending, run.problems) == ("audit", State.PASSED, 4, 0, [])
    assert run.requested_by == auditor and run.finished_at is not None


def test_a_broken_audit_chain_ends_the_run_failed_with_the_problems_recorded(auditor,
                                                                            django_capture_on_commit_callbacks):
    record_events(3)
    with append_only_guard_off():
        AuditEvent.objects.filter(seq=2).update(reason="고쳐 쓴 사유")
    with append_only_guard_off():
        AuditEvent.objects.filter(seq=3).delete()

    run = request_and_run(auditor, django_capture_on_commit_callbacks)

    assert (run.state, run.problem_count) == (State.FAILED, 3)
    assert run.problems[0] == "event 2: content does not match its hash (edited)"
    finish = AuditEvent.objects.get(action="core.verification.finish")
    assert (finish.actor, finish.after["state"], finish.after["problem_count"]) == (None, "failed", 3)


def test_the_audit_command_records_a_run_of_the_systems_and_keeps_its_output():
    record_events(2)
    out = StringIO()

    call_command("audit_verify", stdout=out, stderr=StringIO())

    assert out.getvalue().strip() == "audit trail: 2 events, chain intact"
    run = VerificationRun.objects.get()
    assert (run.kind, run.requested_by, run.state, run.checked) == ("audit", None, State.PASSED, 2)


def test_the_audit_command_on_an_edited_event_exits_non_zero_and_records_the_run_failed():
    record_events(2)
    with append_only_guard_off():
        AuditEvent.objects.filter(seq=1).update(reason="x")

    with pytest.raises(CommandError, match="2 events, 1 problems"):
        call_command("audit_verify", stdout=StringIO(), stderr=StringIO())

    run = VerificationRun.objects.get()
    assert (run.state, run.problems) == (State.FAILED, ["event 1: content does not match its hash (edited)"])


def test_the_nightly_audit_task_records_a_run_of_the_systems():
    record_events(1)

    result = verify_audit_trail.delay().get()

    run = VerificationRun.objects.get()
    assert result["run"] == run.pk
    assert (run.requested_by, run.state, run.checked) == (None, State.PASSED, 1)


def test_a_run_keeps_the_first_hundred_problems_and_counts_them_all():
    run = verification_start(kind="ledger")
    assert run is not None

    finished = verification_finish(run_id=run.pk, findings=Findings(
        checked=500, problems=[f"account #{n}: wrong" for n in range(1, 251)]))

    assert (finished.state, finished.checked, finished.problem_count) == (State.FAILED, 500, 250)
    assert finished.problems == [f"account #{n}: wrong" for n in range(1, 101)]
    stored = VerificationRun.objects.get(pk=run.pk)
    assert (len(stored.problems), stored.problem_count) == (100, 250)


def test_a_run_finished_once_is_not_finished_again_by_a_second_worker():
    run = verification_start(kind="audit")
    assert run is not None
    verification_finish(run_id=run.pk, findings=Findings(checked=3, problems=[]))

    again = verification_finish(run_id=run.pk, findings=Findings(checked=3, problems=["late"]))

    assert (again.state, again.problems) == (State.PASSED, [])
    assert AuditEvent.objects.filter(action="core.verification.finish").count() == 1


# --- what the pages read -----------------------------------------------------------------------------------------


def test_the_latest_per_kind_is_the_last_finished_run_and_the_one_in_progress(django_capture_on_commit_callbacks):
    assert {kind: (latest.finished, latest.in_progress) for kind, latest in verification_latest().items()} == {
        "ledger": (None, None), "audit": (None, None)}
    auditor = AuditorFactory()
    old = request_and_run(auditor, django_capture_on_commit_callbacks, kind="ledger")
    new = request_and_run(auditor, django_capture_on_commit_callbacks, kind="ledger")
    audit_seal()
    audit_failed = request_and_run(auditor, django_capture_on_commit_callbacks, kind="audit")
    VerificationRun.objects.filter(pk=audit_failed.pk).update(state=State.FAILED)
    with django_capture_on_commit_callbacks(execute=False):
        waiting = verification_request(actor=auditor, kind="audit")

    latest = verification_latest()

    assert list(latest) == ["ledger", "audit"]
    assert (latest["ledger"].finished, latest["ledger"].in_progress) == (new, None)
    assert (latest["audit"].finished, latest["audit"].in_progress) == (audit_failed, waiting)
    assert old != new


def test_the_runs_are_listed_newest_first_of_one_kind_or_all():
    now = timezone.now()
    made = {}
    for name, kind, minutes in (("a", "ledger", 5), ("b", "audit", 1), ("c", "ledger", 9), ("d", "ledger", 3)):
        made[name] = VerificationRun.objects.create(kind=kind, state=State.PASSED, requested_at=now - timedelta(
            minutes=minutes), started_at=now, finished_at=now)

    assert list(verification_runs()) == [made["b"], made["d"], made["a"], made["c"]]
    assert list(verification_runs(kind="ledger")) == [made["d"], made["a"], made["c"]]
    with pytest.raises(ValidationFailed):
        verification_runs(kind="ledgers")
