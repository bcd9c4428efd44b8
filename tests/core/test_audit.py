"""The audit trail: events recorded unsealed and sealed after commit into a dense hash chain, and ``audit_verify``
finding any edit, deletion or reordering, and any event the sealer left behind."""

from __future__ import annotations

import logging
import re
import threading
import time
from contextlib import suppress
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from djmoney.money import Money
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.audit import SEAL_BATCH, AuditReport, _event_hash, audit_record, audit_seal, audit_verify, snapshot
from core.models import GENESIS_HASH, AuditChainHead, AuditEvent
from core.tasks import seal_audit_trail, verify_audit_trail
from enterprises.models import User
from tests.audit_actions import action_for_tests
from tests.concurrency import run_together
from tests.core.helpers import append_only_guard_off
from tests.factories import BookFactory, UserFactory, make_accounts

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")


def record_events(count: int) -> list[AuditEvent]:
    """``count`` events, sealed as the commit of the test's transaction would have sealed them."""
    user = UserFactory(username="kim.manager")
    book = BookFactory()
    events = [
        audit_record(
            actor=user,
            action=action_for_tests(f"loan.step{n}"),
            obj=book,
            before={"state": f"s{n}", "amount": Decimal(1_000 * n)},
            after={"state": f"s{n + 1}", "amount": Decimal(1_000 * (n + 1))},
            reason=f"사유 {n}",
        )
        for n in range(1, count + 1)
    ]
    audit_seal()
    for event in events:
        event.refresh_from_db()
    return events


def sealed_seqs() -> list[int | None]:
    return list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))


def forge_the_next_event() -> None:
    """An event inserted straight into the chain's next place (the head does not know it): sealing then fails on
    the unique sequence number."""
    head = AuditChainHead.objects.get_or_create(id=1)[0]
    AuditEvent.objects.create(
        seq=head.seq + 1, prev_hash=head.last_hash, hash="f" * 64, occurred_at=timezone.now(), action="forged"
    )


def problems() -> list[str]:
    return audit_verify().problems


# The columns an event's hash covers besides its place in the chain (seq, prev_hash).
CONTENT = ["occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr", "before",
           "after", "reason"]


@pytest.fixture
def grace_of_a_minute(settings) -> None:
    settings.AUDIT_SEAL_GRACE_SECONDS = 60


# --- recording ------------------------------------------------------------------------------------------------


def test_a_recorded_event_waits_unsealed_until_the_sealer_gives_it_its_place_in_the_chain():
    event = audit_record(actor=None, action=action_for_tests("fund.open"))

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (event.seq, stored.seq, stored.prev_hash, stored.hash) == (None, None, None, None)
    assert AuditChainHead.objects.get(id=1).seq == 0

    assert audit_seal() == 1

    stored.refresh_from_db()
    assert (stored.seq, stored.prev_hash, stored.hash) == (1, GENESIS_HASH, _event_hash(stored))
    assert (AuditChainHead.objects.get(id=1).seq, AuditChainHead.objects.get(id=1).last_hash) == (1, stored.hash)
    assert audit_seal() == 0


def test_recorded_events_form_a_dense_chain_that_verifies():
    events = record_events(5)

    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == GENESIS_HASH
    for earlier, later in pairwise(stored):
        assert later.prev_hash == earlier.hash
    assert len({e.hash for e in stored}) == 5
    head = AuditChainHead.objects.get(id=1)
    assert (head.seq, head.last_hash) == (5, events[-1].hash)
    report = audit_verify()
    assert report.ok, report.problems
    assert (report.events, report.pending) == (5, 0)


def test_the_sealer_gives_one_dense_chain_across_rounds_that_verifies():
    for n in range(3):
        audit_record(actor=None, action=action_for_tests(f"first.{n}"))
    assert audit_seal() == 3
    for n in range(2):
        audit_record(actor=None, action=action_for_tests(f"second.{n}"))
    assert audit_seal() == 2
    assert audit_seal() == 0

    stored = list(AuditEvent.objects.order_by("seq"))
    assert [(e.seq, e.action) for e in stored] == [
        (1, "tests.first.0"), (2, "tests.first.1"), (3, "tests.first.2"), (4, "tests.second.0"), (5, "tests.second.1")
    ]
    assert stored[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(stored))
    report = audit_verify()
    assert report.ok, report.problems
    assert (report.events, report.pending) == (5, 0)


def test_the_sealer_seals_a_backlog_larger_than_one_batch_into_one_dense_chain():
    for n in range(SEAL_BATCH + 234):
        audit_record(actor=None, action=action_for_tests("bulk"), after={"n": n})

    assert audit_seal() == SEAL_BATCH + 234

    assert sealed_seqs() == list(range(1, SEAL_BATCH + 235))
    assert [e["after"]["n"] for e in AuditEvent.objects.order_by("seq").values("after")] == list(
        range(SEAL_BATCH + 234)
    )
    report = audit_verify()
    assert report.ok, report.problems
    assert (report.events, report.pending) == (SEAL_BATCH + 234, 0)


def test_a_transaction_asks_for_one_seal_after_its_commit_however_many_events_it_records(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        audit_record(actor=None, action=action_for_tests("a.one"))
        audit_record(actor=None, action=action_for_tests("a.two"))
        with transaction.atomic():
            audit_record(actor=None, action=action_for_tests("a.three"))
        assert AuditEvent.objects.filter(seq__isnull=True).count() == 3

    assert len(callbacks) == 1
    assert [(e.seq, e.action) for e in AuditEvent.objects.order_by("seq")] == [
        (1, "tests.a.one"), (2, "tests.a.two"), (3, "tests.a.three")
    ]


def test_a_seal_asked_for_in_a_savepoint_that_rolls_back_is_asked_for_again_by_the_next_event(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with transaction.atomic():
            audit_record(actor=None, action=action_for_tests("dropped"))
            transaction.set_rollback(True)
        audit_record(actor=None, action=action_for_tests("kept"))

    assert len(callbacks) == 1
    assert [(e.seq, e.action) for e in AuditEvent.objects.order_by("seq")] == [(1, "tests.kept")]


@pytest.mark.django_db(transaction=True)
def test_an_event_is_sealed_as_soon_as_the_transaction_that_recorded_it_commits():
    with transaction.atomic():
        inside = audit_record(actor=None, action=action_for_tests("fund.open"))
        assert AuditEvent.objects.get(pk=inside.pk).seq is None

    inside.refresh_from_db()
    assert inside.seq == 1
    outside = audit_record(actor=None, action=action_for_tests("fund.close"))  # outside any transaction: sealed at once
    outside.refresh_from_db()
    assert outside.seq == 2
    assert audit_verify() == AuditReport(events=2, problems=[], pending=0)


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_the_request_does_not_seal_and_beat_seals_everything_committed_meanwhile_in_one_batch(
        settings):
    settings.AUDIT_SEAL_ON_COMMIT = False  # the default when a broker is configured (production)
    with transaction.atomic():
        first = audit_record(actor=None, action=action_for_tests("loan.repayment"))
    second = audit_record(actor=None, action=action_for_tests("statement.request"))  # outside a transaction too

    assert list(AuditEvent.objects.filter(pk__in=[first.pk, second.pk]).values_list("seq", flat=True)) == [None,
                                                                                                            None]
    assert audit_verify() == AuditReport(events=0, problems=[], pending=2)
    assert seal_audit_trail.delay().get() == 2
    assert sealed_seqs() == [1, 2]
    assert audit_verify() == AuditReport(events=2, problems=[], pending=0)


@pytest.mark.django_db(transaction=True)
def test_events_recorded_in_a_transaction_that_rolls_back_leave_no_trace_and_no_gap():
    audit_record(actor=None, action=action_for_tests("before"))
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action=action_for_tests("rolled.back.1"))
        audit_record(actor=None, action=action_for_tests("rolled.back.2"))
        raise RuntimeError("the change failed")
    with transaction.atomic():
        audit_record(actor=None, action=action_for_tests("kept.1"))
        with suppress(RuntimeError), transaction.atomic():
            audit_record(actor=None, action=action_for_tests("rolled.back.3"))
            raise RuntimeError("a step of the change failed")
        audit_record(actor=None, action=action_for_tests("kept.2"))

    assert [(e.seq, e.action) for e in AuditEvent.objects.order_by("seq")] == [
        (1, "tests.before"), (2, "tests.kept.1"), (3, "tests.kept.2")
    ]
    assert audit_verify() == AuditReport(events=3, problems=[], pending=0)


@pytest.mark.django_db(transaction=True)
def test_a_sealer_failing_after_commit_never_fails_the_commit_and_beat_seals_the_event_later(caplog):
    forge_the_next_event()

    with caplog.at_level(logging.ERROR, logger="core.audit"), transaction.atomic():
        event = audit_record(actor=None, action=action_for_tests("real"))

    event.refresh_from_db()  # committed, waiting to be sealed
    assert (event.action, event.seq) == ("tests.real", None)
    [logged] = [record for record in caplog.records if record.name == "core.audit"]
    assert "sealing after commit failed" in logged.getMessage()
    assert logged.exc_info is not None and issubclass(logged.exc_info[0], IntegrityError)

    with append_only_guard_off():
        AuditEvent.objects.filter(action="forged").delete()
    assert seal_audit_trail.delay().get() == 1

    event.refresh_from_db()
    assert event.seq == 1
    assert audit_verify() == AuditReport(events=1, problems=[], pending=0)


def test_an_event_records_who_did_what_to_which_object_before_after_and_why():
    user = UserFactory(username="lee.manager")
    book = BookFactory(name="성동구 사회적경제활성화기금")

    event = audit_record(
        actor=user,
        action=action_for_tests("fund.open"),
        obj=book,
        before=None,
        after={"limit": Decimal("50000000"), "opened_on": date(2026, 3, 2), "fee": Money(1000, "KRW")},
        reason="구청 승인",
    )
    audit_seal()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id == user.pk
    assert stored.actor_label == "lee.manager"
    assert stored.action == "tests.fund.open"
    assert (stored.object_type, stored.object_id, stored.object_repr) == (
        "ledger.book",
        str(book.pk),
        "성동구 사회적경제활성화기금",
    )
    assert stored.before is None
    assert stored.after == {
        "limit": "50000000",
        "opened_on": "2026-03-02",
        "fee": {"amount": "1000", "currency": "KRW"},
    }
    assert stored.reason == "구청 승인"
    assert audit_verify() == AuditReport(events=1, problems=[], pending=0)


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_an_event_without_a_signed_in_user_is_recorded_as_the_system(actor):
    event = audit_record(actor=actor, action=action_for_tests("nightly.close"))
    audit_seal()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id is None
    assert stored.actor_label == "system"
    assert (stored.object_type, stored.object_id) == ("", "")
    assert (audit_verify().ok, audit_verify().events) == (True, 1)


def test_an_event_given_a_korean_time_verifies_after_the_round_trip_through_the_database():
    audit_record(
        actor=None, action=action_for_tests("a"), occurred_at=datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=KST)
    )
    audit_seal()

    stored = AuditEvent.objects.get()
    assert stored.occurred_at == datetime(2026, 3, 2, 0, 30, 15, 123456, tzinfo=ZoneInfo("UTC"))
    assert stored.hash == _event_hash(stored)
    assert (audit_verify().ok, audit_verify().events) == (True, 1)


def test_a_snapshot_holds_the_concrete_fields_with_money_as_amount_and_currency():
    cash = make_accounts(BookFactory())["cash"]

    data = snapshot(cash, fields=["code", "book", "balance", "no_overdraft"])

    assert data == {
        "code": "cash",
        "book_id": cash.book_id,
        "balance": {"amount": "0", "currency": "KRW"},
        "no_overdraft": True,
    }


def test_whole_number_floats_in_a_snapshot_still_verify_after_the_round_trip_through_the_database():
    # PostgreSQL's jsonb returns 1e+16 as the integer 10000000000000000; the hash must not change with it.
    audit_record(
        actor=None, action=action_for_tests("a"), after={"big": 1e16, "huge": 1.5e300, "one": 1.0, "third": 1 / 3}
    )
    audit_seal()

    stored = AuditEvent.objects.get()
    assert stored.after == {"big": 10**16, "huge": int(Decimal("1.5e300")), "one": 1, "third": 1 / 3}
    report = audit_verify()
    assert report.ok, report.problems
    assert report.events == 1


# PostgreSQL text and jsonb cannot hold NUL, and lone surrogates are not UTF-8.
text = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=20)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12)
    | st.dates()
    | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=json_values, after=json_values, reason=text)
def test_any_json_snapshot_still_verifies_after_the_round_trip_through_the_database(before, after, reason):
    with transaction.atomic():  # each example starts from an empty chain: its savepoint is rolled back
        audit_record(
            actor=None, action=action_for_tests("property"), before={"v": before}, after={"v": after}, reason=reason
        )
        audit_seal()
        report = audit_verify()
        transaction.set_rollback(True)

    assert report.ok, report.problems
    assert report.events == 1


# --- tampering is detected (on SQLite by plain writes; on PostgreSQL with the append-only trigger switched off) ---


def test_an_edited_event_is_detected():
    record_events(5)

    with append_only_guard_off():
        AuditEvent.objects.filter(seq=3).update(reason="아무 일도 없었음")

    assert problems() == ["event 3: content does not match its hash (edited)"]


@pytest.mark.parametrize(
    "change",
    [{"after": {"state": "approved"}}, {"actor_label": "someone.else"}, {"before": None}, {"object_id": "999"}],
    ids=["after", "actor", "before", "object"],
)
def test_an_edit_to_any_field_is_detected(change):
    record_events(3)

    with append_only_guard_off():
        AuditEvent.objects.filter(seq=2).update(**change)

    assert "event 2: content does not match its hash (edited)" in problems()


def test_an_edited_event_whose_hash_was_recomputed_breaks_the_link_to_the_next():
    record_events(5)
    forged = AuditEvent.objects.get(seq=3)
    forged.reason = "조작"
    forged.hash = _event_hash(forged)

    with append_only_guard_off():
        AuditEvent.objects.filter(seq=3).update(reason=forged.reason, hash=forged.hash)

    assert problems() == ["event 4: does not link to the event before it"]


def test_the_last_event_edited_with_its_hash_recomputed_disagrees_with_the_chain_head():
    record_events(3)
    forged = AuditEvent.objects.get(seq=3)
    forged.after = {"state": "forged"}
    forged.hash = _event_hash(forged)

    with append_only_guard_off():
        AuditEvent.objects.filter(seq=3).update(after=forged.after, hash=forged.hash)

    [problem] = problems()
    assert "chain head" in problem


def test_an_event_deleted_in_the_middle_is_detected():
    record_events(5)

    with append_only_guard_off():
        AuditEvent.objects.filter(seq=3).delete()

    assert problems() == [
        "events 3..3 are missing (deleted)",
        "event 4: does not link to the event before it",
    ]


def test_the_first_event_deleted_is_detected():
    record_events(3)

    with append_only_guard_off():
        AuditEvent.objects.filter(seq=1).delete()

    assert "events 1..1 are missing (deleted)" in problems()


def test_an_event_deleted_at_the_end_is_detected_by_the_chain_head():
    record_events(5)

    with append_only_guard_off():
        AuditEvent.objects.filter(seq=5).delete()

    [problem] = problems()
    assert "the chain head says 5 events" in problem
    assert "the table ends at 4" in problem


def test_every_event_deleted_is_detected_by_the_chain_head():
    record_events(2)

    with append_only_guard_off():
        AuditEvent.objects.all().delete()

    report = audit_verify()
    assert report.events == 0
    assert not report.ok


def test_two_events_whose_places_were_swapped_are_detected():
    record_events(5)

    with append_only_guard_off():
        AuditEvent.objects.filter(seq=2).update(seq=0)  # out of the way: seq is unique
        AuditEvent.objects.filter(seq=3).update(seq=2)
        AuditEvent.objects.filter(seq=0).update(seq=3)

    assert problems() == [
        "event 2: does not link to the event before it",
        "event 2: content does not match its hash (edited)",
        "event 3: does not link to the event before it",
        "event 3: content does not match its hash (edited)",
        "event 4: does not link to the event before it",
    ]


def test_two_events_whose_contents_were_swapped_and_hashed_again_are_detected():
    record_events(5)
    second, third = AuditEvent.objects.get(seq=2), AuditEvent.objects.get(seq=3)
    for field in CONTENT:
        first_value, second_value = getattr(second, field), getattr(third, field)
        setattr(second, field, second_value)
        setattr(third, field, first_value)
    second.hash, third.hash = _event_hash(second), _event_hash(third)

    with append_only_guard_off():
        for event in (second, third):
            AuditEvent.objects.filter(pk=event.pk).update(
                hash=event.hash, **{field: getattr(event, field) for field in CONTENT}
            )

    assert AuditEvent.objects.get(seq=2).action == "tests.loan.step3"
    assert problems() == [
        "event 3: does not link to the event before it",
        "event 4: does not link to the event before it",
    ]


# --- events the sealer has not reached ---------------------------------------------------------------------------


def test_an_event_recorded_moments_ago_and_not_sealed_yet_is_pending_not_a_problem():
    record_events(2)
    waiting = audit_record(actor=None, action=action_for_tests("just.now"))

    report = audit_verify()

    assert report == AuditReport(events=2, problems=[], pending=1)
    assert AuditEvent.objects.get(pk=waiting.pk).seq is None  # verifying sealed nothing


def test_an_event_left_unsealed_past_the_grace_is_a_problem_that_names_the_sealer(grace_of_a_minute):
    record_events(2)
    late = audit_record(actor=None, action=action_for_tests("late"), occurred_at=timezone.now() - timedelta(seconds=90))
    audit_record(actor=None, action=action_for_tests("just.now"))

    report = audit_verify()

    assert (report.ok, report.events, report.pending) == (False, 2, 2)
    [problem] = report.problems
    recorded = re.escape(timezone.localtime(late.occurred_at).isoformat(timespec="seconds"))
    assert re.fullmatch(
        rf"event #{late.pk} recorded at {recorded} is still not sealed after 9\d s: "
        r"is the sealer \(audit\.seal\) running\?",
        problem,
    ), problem


def test_events_left_unsealed_past_the_grace_are_named_ten_at_most_and_the_rest_counted(grace_of_a_minute):
    long_ago = timezone.now() - timedelta(hours=1)
    late = [audit_record(actor=None, action=action_for_tests(f"late.{n}"), occurred_at=long_ago) for n in range(13)]

    report = audit_verify()

    assert (report.events, report.pending) == (0, 13)
    assert [problem.split(" recorded at ")[0] for problem in report.problems[:10]] == [
        f"event #{event.pk}" for event in late[:10]
    ]
    assert report.problems[10:] == ["and 3 more events are still not sealed after 60 s"]


def test_the_beat_task_seals_what_is_waiting():
    audit_record(actor=None, action=action_for_tests("a.one"))
    audit_record(actor=None, action=action_for_tests("a.two"))

    assert seal_audit_trail.delay().get() == 2
    assert seal_audit_trail.delay().get() == 0
    assert sealed_seqs() == [1, 2]


def test_beat_runs_the_sealer_every_few_seconds_with_a_short_time_limit():
    from django.conf import settings as django_settings

    from config.celery import app

    assert django_settings.CELERY_BEAT_SCHEDULE["audit-seal"] == {
        "task": "audit.seal",
        "schedule": django_settings.AUDIT_SEAL_SECONDS,
        "options": {"expires": django_settings.AUDIT_SEAL_SECONDS},
    }
    app.loader.import_default_modules()
    assert app.tasks["audit.seal"].time_limit <= 120


def test_the_nightly_task_seals_what_is_waiting_then_verifies(grace_of_a_minute):
    record_events(2)
    audit_record(actor=None, action=action_for_tests("late"), occurred_at=timezone.now() - timedelta(hours=1))

    result = verify_audit_trail.delay().get()
    assert result == {"run": result["run"], "ok": True, "events": 3, "problems": [], "pending": 0}


def test_recording_goes_on_after_tampering_and_the_tampering_stays_visible():
    record_events(3)
    with append_only_guard_off():
        AuditEvent.objects.filter(seq=2).update(reason="x")

    audit_record(actor=None, action=action_for_tests("later"))
    audit_seal()

    assert sealed_seqs() == [1, 2, 3, 4]
    assert problems() == ["event 2: content does not match its hash (edited)"]


# --- manage.py audit_verify --------------------------------------------------------------------------------------


def test_the_command_reports_an_intact_chain_and_exits_zero():
    record_events(3)
    out, err = StringIO(), StringIO()

    call_command("audit_verify", stdout=out, stderr=err)

    assert out.getvalue().strip() == "audit trail: 3 events, chain intact"
    assert err.getvalue() == ""


def test_the_command_seals_the_events_waiting_for_it_before_it_verifies(grace_of_a_minute):
    audit_record(actor=None, action=action_for_tests("late"), occurred_at=timezone.now() - timedelta(hours=1))
    audit_record(actor=None, action=action_for_tests("a.two"))
    out, err = StringIO(), StringIO()

    call_command("audit_verify", stdout=out, stderr=err)

    assert out.getvalue().strip() == "audit trail: 2 events, chain intact"
    assert err.getvalue() == ""
    # The two sealed; then the event of the run's own end (core.verification.finish), waiting for the next sealer.
    assert sorted(AuditEvent.objects.values_list("seq", "action"), key=lambda row: row[0] or 99) == [
        (1, "tests.late"), (2, "tests.a.two"), (None, "core.verification.finish")]


def test_the_command_fails_naming_the_problems_when_the_waiting_events_cannot_be_sealed():
    record_events(2)
    forge_the_next_event()
    waiting = audit_record(actor=None, action=action_for_tests("waiting"))
    err = StringIO()

    with pytest.raises(CommandError, match="3 events, 3 problems"):
        call_command("audit_verify", stdout=StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0] == "event 3: content does not match its hash (edited)"
    assert lines[1].startswith("the chain head says 2 events")
    assert lines[2].startswith("sealing the waiting events failed: ")
    assert AuditEvent.objects.get(pk=waiting.pk).seq is None


def test_the_nightly_task_reports_waiting_events_it_cannot_seal():
    forge_the_next_event()
    audit_record(actor=None, action=action_for_tests("waiting"))

    result = verify_audit_trail.delay().get()

    assert (result["ok"], result["events"], result["pending"]) == (False, 1, 1)
    assert result["problems"][-1].startswith("sealing the waiting events failed: ")


def test_the_command_fails_naming_the_problem_when_an_event_was_edited():
    record_events(3)
    with append_only_guard_off():
        AuditEvent.objects.filter(seq=2).update(reason="x")
    err = StringIO()

    with pytest.raises(CommandError, match="3 events, 1 problems"):
        call_command("audit_verify", stdout=StringIO(), stderr=err)

    assert "event 2: content does not match its hash (edited)" in err.getvalue()


def test_the_command_line_exits_non_zero_when_an_event_was_deleted(capsys):
    record_events(3)
    with append_only_guard_off():
        AuditEvent.objects.filter(seq=2).delete()

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "audit_verify"])

    assert exited.value.code != 0
    assert "events 2..2 are missing" in capsys.readouterr().err


def test_the_command_line_exits_zero_when_intact(capsys):
    record_events(2)

    execute_from_command_line(["manage.py", "audit_verify"])  # returns normally: exit status 0

    assert "chain intact" in capsys.readouterr().out


# --- PostgreSQL: the append-only trigger ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_refuses_to_update_an_audit_event():
    record_events(3)
    original = AuditEvent.objects.get(seq=2)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(reason="x")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET hash = %s WHERE seq = 2", ["f" * 64])

    stored = AuditEvent.objects.get(seq=2)
    assert (stored.reason, stored.hash) == (original.reason, original.hash)
    assert audit_verify().ok


@pytest.mark.postgres
def test_postgres_refuses_to_delete_an_audit_event():
    record_events(3)
    waiting = audit_record(actor=None, action=action_for_tests("waiting"))

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=waiting.pk).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")

    assert AuditEvent.objects.count() == 4
    assert audit_verify() == AuditReport(events=3, problems=[], pending=1)


@pytest.mark.postgres
def test_postgres_lets_an_unsealed_event_be_sealed_once_and_never_again():
    event = audit_record(actor=None, action=action_for_tests("a"))
    sealed_hash = _event_hash(AuditEvent(**{f: getattr(event, f) for f in CONTENT}, seq=1, prev_hash=GENESIS_HASH))

    with connection.cursor() as cursor:  # the seal: the one UPDATE the trigger lets through
        cursor.execute(
            "UPDATE core_auditevent SET seq = 1, prev_hash = %s, hash = %s WHERE id = %s",
            [GENESIS_HASH, sealed_hash, event.pk],
        )
    reseals = [
        ("UPDATE core_auditevent SET seq = 2, prev_hash = %s, hash = %s WHERE id = %s", ["e" * 64, "d" * 64]),
        ("UPDATE core_auditevent SET hash = %s WHERE id = %s", ["d" * 64]),
        ("UPDATE core_auditevent SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = %s", []),
    ]
    for sql, params in reseals:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*params, event.pk])

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (1, GENESIS_HASH, sealed_hash)


@pytest.mark.postgres
def test_postgres_lets_the_sealer_through_and_refuses_to_seal_a_sealed_event_again():
    record_events(2)
    audit_record(actor=None, action=action_for_tests("a.three"))

    assert audit_seal() == 1  # the sealer's UPDATE is a seal
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).update(seq=4, prev_hash="e" * 64, hash="d" * 64)

    assert audit_verify() == AuditReport(events=3, problems=[], pending=0)


@pytest.mark.postgres
def test_postgres_refuses_to_change_an_unsealed_events_content_even_while_sealing_it():
    user = UserFactory()
    event = audit_record(actor=user, action=action_for_tests("a"), after={"amount": "1000"}, reason="원래 사유")
    edits = [
        ("reason = %s", ["조작"]),
        ("after = %s::jsonb", ['{"amount": "9000"}']),
        ("actor_id = NULL", []),
        ("occurred_at = occurred_at - interval '1 day'", []),
        ("action = %s", ["b"]),
        ("seq = 1, prev_hash = %s, hash = %s, reason = %s", [GENESIS_HASH, "a" * 64, "조작"]),
        ("seq = 1", []),  # half a seal
        ("seq = 1, prev_hash = %s", [GENESIS_HASH]),
    ]

    for assignments, params in edits:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE core_auditevent SET {assignments} WHERE id = %s", [*params, event.pk])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="조작")

    assert audit_seal() == 1
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.after, stored.reason) == ("tests.a", {"amount": "1000"}, "원래 사유")
    assert stored.actor_id == user.pk
    assert audit_verify() == AuditReport(events=1, problems=[], pending=0)


@pytest.mark.postgres
def test_the_append_only_trigger_is_back_on_after_the_tampering_helper():
    record_events(2)
    with append_only_guard_off():
        AuditEvent.objects.filter(seq=1).update(reason="x")

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(reason="y")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_writers_recording_at_once_still_make_one_dense_chain():
    AuditChainHead.objects.get_or_create(id=1)
    barrier = threading.Barrier(16)
    failures: list[BaseException] = []

    def write(i: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            with transaction.atomic():  # sealed by the commits' own sealers, never explicitly here
                audit_record(actor=None, action=action_for_tests(f"writer.{i}"))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread and asserted there
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 17))
    written = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert written == sorted(f"tests.writer.{i}" for i in range(16))
    report = audit_verify()
    assert report.ok, report.problems
    assert (report.events, report.pending) == (16, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recording_an_event_never_waits_for_another_open_transaction_that_recorded_one():
    first_recorded, second_committed = threading.Event(), threading.Event()

    def work(i: int) -> str:
        if i == 0:
            with transaction.atomic():
                audit_record(actor=None, action=action_for_tests("first"))
                first_recorded.set()
                # Still open. Under the old chain head lock the second writer waited here until this ended.
                return "the second committed while the first was open" if second_committed.wait(60) else "waited"
        assert first_recorded.wait(60)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")  # waiting for a lock fails the test rather than hangs it
        with transaction.atomic():
            audit_record(actor=None, action=action_for_tests("second"))
        second_committed.set()
        return "committed"

    assert run_together(2, work) == ["the second committed while the first was open", "committed"]
    # Each commit sealed its own event: the order of the chain is the order of the commits.
    assert [(e.seq, e.action) for e in AuditEvent.objects.order_by("seq")] == [(1, "tests.second"), (2, "tests.first")]
    assert audit_verify() == AuditReport(events=2, problems=[], pending=0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_writer_waiting_at_commit_on_a_row_another_writer_locked_no_longer_deadlocks_with_it():
    """The deadlock of the chain head lock: B recorded an event naming a user, so at COMMIT its deferred foreign-key
    check waits for A, which has that user's row locked; A then records an event. With the head lock B held the
    head and A waited for it: a cycle, one of them killed. Now A records, commits and lets B commit."""
    user = UserFactory()
    b_recorded, a_locked = threading.Event(), threading.Event()

    def someone_waits_on_a_lock() -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    return True
            time.sleep(0.05)
        return False

    def work(i: int) -> str:
        if i == 0:  # A
            assert b_recorded.wait(60)
            with transaction.atomic():
                User.objects.select_for_update().get(pk=user.pk)
                a_locked.set()
                waited = someone_waits_on_a_lock()  # B, committing, waits for this row
                audit_record(actor=None, action=action_for_tests("a.recorded"))
            return f"A committed; B waited on A's row: {waited}"
        with transaction.atomic():  # B
            audit_record(actor=user, action=action_for_tests("b.recorded"))
            b_recorded.set()
            assert a_locked.wait(60)
        return "B committed"

    assert run_together(2, work) == ["A committed; B waited on A's row: True", "B committed"]
    # Their commits were moments apart: one sealing round may have taken both (then by id, B first).
    assert sealed_seqs() == [1, 2]
    written = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert written == ["tests.a.recorded", "tests.b.recorded"]
    assert audit_verify() == AuditReport(events=2, problems=[], pending=0)


# --- the admin ---------------------------------------------------------------------------------------------------


def test_the_admin_lists_and_shows_sealed_and_unsealed_events(client, admin_user):
    record_events(1)
    waiting = audit_record(actor=None, action=action_for_tests("still.waiting"))
    client.force_login(admin_user)

    listing = client.get("/admin/core/auditevent/")
    page = client.get(f"/admin/core/auditevent/{waiting.pk}/change/")

    assert listing.status_code == 200
    assert "tests.loan.step1" in listing.content.decode() and "tests.still.waiting" in listing.content.decode()
    assert page.status_code == 200
    assert "tests.still.waiting" in page.content.decode()
