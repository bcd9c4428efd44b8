"""The audit trail: a dense hash chain, and ``audit_verify`` finding any edit or deletion."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from djmoney.money import Money
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.audit import _event_hash, audit_record, audit_verify, snapshot
from core.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tests.core.helpers import append_only_guard_off
from tests.factories import BookFactory, UserFactory, make_accounts

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")


def record_events(count: int) -> list[AuditEvent]:
    user = UserFactory(username="kim.manager")
    book = BookFactory()
    return [
        audit_record(
            actor=user,
            action=f"loan.step{n}",
            obj=book,
            before={"state": f"s{n}", "amount": Decimal(1_000 * n)},
            after={"state": f"s{n + 1}", "amount": Decimal(1_000 * (n + 1))},
            reason=f"사유 {n}",
        )
        for n in range(1, count + 1)
    ]


def problems() -> list[str]:
    return audit_verify().problems


# --- recording ------------------------------------------------------------------------------------------------


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
    assert report.events == 5


def test_an_event_records_who_did_what_to_which_object_before_after_and_why():
    user = UserFactory(username="lee.manager")
    book = BookFactory(name="성동구 사회적경제활성화기금")

    event = audit_record(
        actor=user,
        action="fund.open",
        obj=book,
        before=None,
        after={"limit": Decimal("50000000"), "opened_on": date(2026, 3, 2), "fee": Money(1000, "KRW")},
        reason="구청 승인",
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id == user.pk
    assert stored.actor_label == "lee.manager"
    assert stored.action == "fund.open"
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
    assert audit_verify().ok


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_an_event_without_a_signed_in_user_is_recorded_as_the_system(actor):
    event = audit_record(actor=actor, action="nightly.close")

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id is None
    assert stored.actor_label == "system"
    assert (stored.object_type, stored.object_id) == ("", "")
    assert audit_verify().ok


def test_an_event_given_a_korean_time_verifies_after_the_round_trip_through_the_database():
    audit_record(actor=None, action="a", occurred_at=datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=KST))

    stored = AuditEvent.objects.get()
    assert stored.occurred_at == datetime(2026, 3, 2, 0, 30, 15, 123456, tzinfo=ZoneInfo("UTC"))
    assert audit_verify().ok


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
    audit_record(actor=None, action="a", after={"big": 1e16, "huge": 1.5e300, "one": 1.0, "third": 1 / 3})

    stored = AuditEvent.objects.get()
    assert stored.after == {"big": 10**16, "huge": int(Decimal("1.5e300")), "one": 1, "third": 1 / 3}
    report = audit_verify()
    assert report.ok, report.problems


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
        audit_record(actor=None, action="property", before={"v": before}, after={"v": after}, reason=reason)
        report = audit_verify()
        transaction.set_rollback(True)

    assert report.ok, report.problems


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


def test_recording_goes_on_after_tampering_and_the_tampering_stays_visible():
    record_events(3)
    with append_only_guard_off():
        AuditEvent.objects.filter(seq=2).update(reason="x")

    audit_record(actor=None, action="later")

    assert AuditEvent.objects.order_by("-seq").first().seq == 4
    assert problems() == ["event 2: content does not match its hash (edited)"]


# --- manage.py audit_verify --------------------------------------------------------------------------------------


def test_the_command_reports_an_intact_chain_and_exits_zero():
    record_events(3)
    out, err = StringIO(), StringIO()

    call_command("audit_verify", stdout=out, stderr=err)

    assert out.getvalue().strip() == "audit trail: 3 events, chain intact"
    assert err.getvalue() == ""


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

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")

    assert AuditEvent.objects.count() == 3
    assert audit_verify().ok


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
            audit_record(actor=None, action=f"writer.{i}")
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
    assert sorted(AuditEvent.objects.values_list("action", flat=True)) == sorted(f"writer.{i}" for i in range(16))
    report = audit_verify()
    assert report.ok, report.problems
