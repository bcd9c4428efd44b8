"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import F, QuerySet

from .models import AuditEvent


def audit_events(
    *, object_type: str = "", object_id: str = "", action: str = "", actor: str = ""
) -> QuerySet[AuditEvent]:
    """Events, newest first, narrowed by whichever filters are given (exact matches). Newest first means the
    events not sealed yet (no ``seq``), the last written first, then the chain from its end."""
    events = AuditEvent.objects.order_by(F("seq").desc(nulls_first=True), "-id")
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_label=actor)
    return events
