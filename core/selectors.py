"""Reads of the audit trail and of the integrity checks' runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet

from .models import AuditEvent, VerificationRun
from .verification import verification_kind


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


@dataclass(frozen=True)
class LatestVerification:
    """Where one kind of check stands: its last finished run, and the run queued or running now, if any."""

    kind: str
    finished: VerificationRun | None  # the last run that finished (passed or failed); None if none ever did
    in_progress: VerificationRun | None  # the run queued or running now; None if there is none


def verification_latest() -> dict[str, LatestVerification]:
    """Each kind of check (``VerificationRun.Kind``: the ledger's, the audit trail's, in that order) with its last
    finished run and the run in progress, for the page that shows them and the button that starts one."""
    latest = {}
    for kind in VerificationRun.Kind.values:
        runs = VerificationRun.objects.select_related("requested_by").filter(kind=kind)
        latest[kind] = LatestVerification(
            kind=kind,
            finished=runs.filter(state__in=VerificationRun.FINISHED).order_by("-finished_at", "-id").first(),
            in_progress=runs.filter(state__in=VerificationRun.OPEN).order_by("-requested_at", "-id").first(),
        )
    return latest


def verification_runs(*, kind: str | None = None) -> QuerySet[VerificationRun]:
    """The runs, newest first (by when they were asked for or started), of one kind or of all; for a history
    table. Raises ValidationFailed (unknown kind)."""
    runs = VerificationRun.objects.select_related("requested_by").order_by("-requested_at", "-id")
    if kind is not None:
        runs = runs.filter(kind=verification_kind(kind))
    return runs
