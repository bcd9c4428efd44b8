"""Recording and verifying the audit trail.

``audit_record`` is called by every service that changes state, inside that service's transaction, so an event
exists exactly when the change it describes was committed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditChainHead, AuditEvent


def to_jsonable(value: Any) -> Any:
    """Decimals, dates, Money and the like become plain JSON values, so the stored form hashes the same."""
    return json.loads(json.dumps(value, cls=_Encoder), parse_float=_whole_as_int)


def _whole_as_int(text: str) -> float | int:
    """A whole-number float is kept as an int: PostgreSQL's jsonb gives ``1e+16`` back as ``10000000000000000``,
    which would no longer hash the same."""
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(text)


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if hasattr(o, "amount") and hasattr(o, "currency"):  # djmoney Money
            return {"amount": str(o.amount), "currency": str(o.currency)}
        return super().default(o)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``instance`` (foreign keys as ids) as a JSON-ready dict."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name.endswith("_currency"):
            continue
        data[field.attname] = getattr(instance, field.attname)
    return to_jsonable(data)


def _event_hash(event: AuditEvent) -> str:
    occurred = event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = {
        "seq": event.seq,
        "occurred_at": occurred,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain. Serialises writers on the chain head row, so call it last in a transaction.
    No savepoint of its own: if it fails, the change it describes must not commit either."""
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        user = actor if getattr(actor, "is_authenticated", False) else None
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=occurred_at or timezone.now(),
            actor=user,
            actor_label=getattr(user, "username", "") if user else "system",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:255] if obj is not None else "",
            before=to_jsonable(before) if before is not None else None,
            after=to_jsonable(after) if after is not None else None,
            reason=reason,
            prev_hash=head.last_hash,
        )
        event.hash = _event_hash(event)
        event.save(force_insert=True)
        head.seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["seq", "last_hash"])
        return event


@dataclass(frozen=True)
class AuditReport:
    events: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify() -> AuditReport:
    """Walk the chain from the first event: dense sequence, links, recomputed hashes, and the head."""
    problems: list[str] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if event.seq != expected_seq:
            problems.append(f"events {expected_seq}..{event.seq - 1} are missing (deleted)")
        if event.prev_hash != prev_hash:
            problems.append(f"event {event.seq}: does not link to the event before it")
        if _event_hash(event) != event.hash:
            problems.append(f"event {event.seq}: content does not match its hash (edited)")
        prev_hash = event.hash
        expected_seq = event.seq + 1
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        problems.append(
            f"the chain head says {head_seq} events ending in {head_hash[:12]}, "
            f"but the table ends at {expected_seq - 1} ending in {prev_hash[:12]} (events deleted at the end)"
        )
    return AuditReport(events=count, problems=problems)
