"""The audit trail through the API: what auditors read, how they filter it, and the chain check.

The tests run inside a transaction that never commits, so the sealer that runs after a real commit is called here
where the commit would have been (``audit_seal``)."""

from __future__ import annotations

from core.audit import audit_record, audit_seal
from core.models import AuditEvent
from tests.audit_actions import action_for_tests
from tests.core.helpers import append_only_guard_off
from tests.factories import EnterpriseFactory

URL = "/api/v1/audit-events/"


def test_a_change_made_through_the_api_shows_in_the_trail_with_before_and_after(bearer_client, manager, auditor):
    enterprise = EnterpriseFactory(district="성동구")
    bearer_client(manager).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"district": "중구"}, format="json")
    audit_seal()

    response = bearer_client(auditor).get(URL, {"object_type": "enterprises.enterprise", "object_id": enterprise.pk})

    assert response.status_code == 200
    [event] = response.json()["results"]
    assert event["action"] == "enterprises.enterprise.update"
    assert event["actor"] == manager.username
    assert event["before"]["district"] == "성동구"
    assert event["after"]["district"] == "중구"
    assert len(event["hash"]) == 64


def test_the_trail_is_newest_first_and_filters_by_action_and_actor(bearer_client, auditor, manager):
    first = audit_record(actor=manager, action=action_for_tests("a.one"))
    second = audit_record(actor=None, action=action_for_tests("a.two"))
    audit_seal()
    first.refresh_from_db()
    second.refresh_from_db()

    everything = bearer_client(auditor).get(URL).json()["results"]
    by_action = bearer_client(auditor).get(URL, {"action": "tests.a.one"}).json()["results"]
    by_actor = bearer_client(auditor).get(URL, {"actor": "system"}).json()["results"]

    assert [e["seq"] for e in everything] == [second.seq, first.seq] == [2, 1]
    assert [e["seq"] for e in by_action] == [first.seq]
    assert [e["seq"] for e in by_actor] == [second.seq]


def test_events_not_sealed_yet_come_first_the_last_written_first_then_the_chain_from_its_end(bearer_client, auditor):
    audit_record(actor=None, action=action_for_tests("sealed.1"))
    audit_record(actor=None, action=action_for_tests("sealed.2"))
    audit_seal()
    audit_record(actor=None, action=action_for_tests("waiting.1"))
    audit_record(actor=None, action=action_for_tests("waiting.2"))

    everything = bearer_client(auditor).get(URL).json()["results"]

    assert [(e["seq"], e["action"], e["hash"] is None) for e in everything] == [
        (None, "tests.waiting.2", True),
        (None, "tests.waiting.1", True),
        (2, "tests.sealed.2", False),
        (1, "tests.sealed.1", False),
    ]
    assert all(e["prev_hash"] is None for e in everything[:2])


def test_one_event_is_fetched_by_its_sequence_number(bearer_client, auditor):
    event = audit_record(actor=None, action=action_for_tests("a.one"), reason="시험")
    audit_seal()
    event.refresh_from_db()

    body = bearer_client(auditor).get(f"{URL}{event.seq}/").json()

    expected = (event.seq, "tests.a.one", "시험", event.hash)
    assert (body["seq"], body["action"], body["reason"], body["hash"]) == expected


def test_verify_says_the_chain_is_intact_and_then_that_an_edited_event_was_found(bearer_client, auditor):
    audit_record(actor=None, action=action_for_tests("a.one"))
    victim = audit_record(actor=None, action=action_for_tests("a.two"), after={"amount": "1000"})
    audit_record(actor=None, action=action_for_tests("a.three"))
    audit_seal()
    victim.refresh_from_db()

    intact = bearer_client(auditor).get(f"{URL}verify/").json()
    with append_only_guard_off():
        AuditEvent.objects.filter(pk=victim.pk).update(after={"amount": "9000"})
    tampered = bearer_client(auditor).get(f"{URL}verify/").json()

    assert intact == {"ok": True, "events": 3, "problems": [], "pending": 0}
    assert tampered["ok"] is False
    assert any(f"event {victim.seq}" in problem and "edited" in problem for problem in tampered["problems"])


def test_verify_seals_nothing_and_says_how_many_events_wait_for_the_sealer(bearer_client, auditor):
    audit_record(actor=None, action=action_for_tests("a.one"))
    audit_seal()
    waiting = audit_record(actor=None, action=action_for_tests("a.two"))

    body = bearer_client(auditor).get(f"{URL}verify/").json()

    assert body == {"ok": True, "events": 1, "problems": [], "pending": 1}
    assert AuditEvent.objects.get(pk=waiting.pk).seq is None
