"""Migrating to unsealed events: the events written before (sealed as they were written) are left as they are and
still verify, and the chain goes on from them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.audit import AuditReport, _event_hash, audit_record, audit_verify
from core.models import GENESIS_HASH, AuditEvent
from tests.audit_actions import action_for_tests

BEFORE_THE_SEALER = [("core", "0004_outbox")]


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_events_sealed_before_the_sealer_existed_still_verify_after_the_migration_and_the_chain_goes_on():
    latest = [("core", MigrationExecutor(connection).loader.graph.leaf_nodes("core")[0][1])]
    apps = migrate(BEFORE_THE_SEALER)
    try:
        event_model, head_model = apps.get_model("core", "AuditEvent"), apps.get_model("core", "AuditChainHead")
        head, _ = head_model.objects.get_or_create(id=1)
        for n in range(1, 4):  # as audit_record wrote them then: sealed at once, under the chain head
            event = event_model(
                seq=head.seq + 1, occurred_at=datetime(2026, 3, n, 1, 2, 3, 456789, tzinfo=UTC),
                actor_label="system", action=f"old.{n}", after={"n": n}, reason=f"사유 {n}", prev_hash=head.last_hash,
            )
            event.hash = _event_hash(event)
            event.save()
            head.seq, head.last_hash = event.seq, event.hash
            head.save()
        written = list(event_model.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    finally:
        migrate(latest)

    assert written[0][1] == GENESIS_HASH
    assert audit_verify() == AuditReport(events=3, problems=[], pending=0)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "prev_hash", "hash")) == written
    # Outside any transaction: sealed at once, after the old ones, whose names were never declared (and need not be).
    audit_record(actor=None, action=action_for_tests("new"))
    assert [(e.seq, e.action) for e in AuditEvent.objects.order_by("seq")] == [
        (1, "old.1"), (2, "old.2"), (3, "old.3"), (4, "tests.new")
    ]
    assert audit_verify() == AuditReport(events=4, problems=[], pending=0)
