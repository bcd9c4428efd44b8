"""Recording, sealing and verifying the audit trail.

``audit_record`` is called by every service that changes state, inside that service's transaction, so an event
exists exactly when the change it describes was committed. It takes no lock: the event is written *unsealed*, and
``audit_seal`` gives it its place in the hash chain (``seq``, ``prev_hash``, ``hash``) after that transaction
commits: Celery beat runs it every ``AUDIT_SEAL_SECONDS`` on a worker, sealing whatever committed meanwhile in one
batch; with ``AUDIT_SEAL_ON_COMMIT`` (the default without a broker: the demo, the tests) the committing request
runs it too, right after its commit. ``audit_verify`` walks the sealed chain, and reports any event left unsealed
for longer than ``AUDIT_SEAL_GRACE_SECONDS``.

What an event records is declared, not made up at the call: each app lists the actions it audits once, in its
``actions.py`` (``funds.actions.APPLICATION_SUBMIT = ACTIONS.user("application.submit")``), under its own namespace
(``"funds.application.submit"``), and says whether a user writes it or the system may (no actor: close of business
on beat, the demo loader). ``audit_record`` refuses an action nobody declared, and a user's action with no user.
Events already stored keep the names they were written with: the chain hashes what is stored, so renaming an
action never touches an old event.

Why the chain is not extended inside the audited write: that takes the chain head's row lock in every write, so
every write in the system waits on one row; and it deadlocks. A transaction holding the head waits at COMMIT for
its deferred foreign-key checks (FOR KEY SHARE on the rows it refers to), one of which another transaction has
locked, and that one is waiting for the head.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from .db import update_rows
from .models import GENESIS_HASH, AuditChainHead, AuditEvent

logger = logging.getLogger(__name__)

SEAL_BATCH = 1000  # events read, hashed and written back at a time
ROUND_LIMIT = 10 * SEAL_BATCH  # events one sealing transaction takes at most, so a backlog is committed in steps
MAX_ROUNDS = 20  # rounds one call of audit_seal takes at most; under a steady stream of commits the rest is left
STALE_LISTED = 10  # unsealed events past the grace named one by one in a report; the rest are counted


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


# --- the registry of actions -------------------------------------------------------------------------------------

_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$")
_REGISTRY: dict[str, AuditAction] = {}


@dataclass(frozen=True)
class AuditAction:
    """One kind of audit event, declared once by the app that writes it (see ``AuditActions``)."""

    name: str  # "funds.application.submit": the declaring app's namespace, then what happened to what
    by_system: bool = False  # True: may be written with no actor (beat, the demo loader); False: a user writes it

    @property
    def namespace(self) -> str:
        """The declaring app's namespace: "funds"."""
        return self.name.split(".", 1)[0]

    def __str__(self) -> str:
        return self.name


class AuditActions:
    """The actions one app audits, under its namespace (its app label)::

        ACTIONS = AuditActions("funds")
        APPLICATION_SUBMIT = ACTIONS.user("application.submit")        # "funds.application.submit"
        BUSINESS_DAY_CLOSE = ACTIONS.system("business_day.close")      # may be written with actor None

    Declaring a name twice with a different meaning is a programming error (ValueError)."""

    def __init__(self, namespace: str) -> None:
        if not _NAME.match(namespace) or "." in namespace:
            raise ValueError(f"audit action namespace {namespace!r}: one lower-case word, such as an app label")
        self.namespace = namespace

    def user(self, name: str) -> AuditAction:
        """An action a signed-in user does: written only with that user as the actor."""
        return self._declare(name, by_system=False)

    def system(self, name: str) -> AuditAction:
        """An action the system may do on its own (actor None), as well as a user."""
        return self._declare(name, by_system=True)

    def _declare(self, name: str, *, by_system: bool) -> AuditAction:
        if not _NAME.match(name):
            raise ValueError(f"audit action {name!r}: lower-case words joined by dots, such as 'loan.repayment'")
        action = AuditAction(name=f"{self.namespace}.{name}", by_system=by_system)
        known = _REGISTRY.setdefault(action.name, action)
        if known != action:
            raise ValueError(f"audit action {action.name!r} is declared twice, differently")
        return known


def audit_actions() -> Mapping[str, AuditAction]:
    """Every declared action by name (each app's ``actions`` module is imported when the apps are ready)."""
    return dict(_REGISTRY)


def _checked(action: AuditAction, user: Any) -> AuditAction:
    name = action.name if isinstance(action, AuditAction) else action
    if not isinstance(action, AuditAction) or _REGISTRY.get(name) != action:
        raise LookupError(
            f"audit action {name!r} is not declared: declare it once in its app's actions.py and pass the constant"
        )
    if user is None and not action.by_system:
        raise ValueError(f"audit action {action.name!r} is a user's action: it needs the acting user as actor")
    return action


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
    action: AuditAction,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Write one event, unsealed, in the caller's transaction. It takes no lock; the event gets its ``seq`` and
    hashes from ``audit_seal`` after the outermost transaction commits: from beat, or (``AUDIT_SEAL_ON_COMMIT``)
    right after the commit (at once, outside any transaction). No savepoint of its own: if it fails, the change it
    describes must not commit either.

    ``action`` is a declared ``AuditAction``; anything else is a LookupError, and a user's action without an
    authenticated ``actor`` a ValueError: both are programming errors, and the caller's transaction rolls back."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    action = _checked(action, user)
    event = AuditEvent(
        occurred_at=occurred_at or timezone.now(),
        actor=user,
        actor_label=getattr(user, "username", "") if user else "system",
        action=action.name,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        reason=reason,
    )
    event.save(force_insert=True)
    if settings.AUDIT_SEAL_ON_COMMIT:
        _seal_on_commit()
    return event


def _seal_on_commit() -> None:
    """Have the sealer run once the outermost transaction commits: one callback, however many events it records.
    Django drops the callbacks registered in a savepoint that rolls back, so a callback found here will run."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(hook[1] is _seal_committed for hook in connection.run_on_commit):
        return
    transaction.on_commit(_seal_committed)


def _seal_committed() -> None:
    """The callback after commit. The change and its event are committed: whatever goes wrong here must not fail
    the request that made them. The event waits for the next sealer (another commit's, or audit.seal on beat)."""
    try:
        audit_seal()
    except Exception:
        logger.exception("audit: sealing after commit failed; audit.seal (beat) will seal the waiting events")


def audit_seal() -> int:
    """Give the committed unsealed events their place in the chain; return how many were sealed.

    A round is one short transaction: take the chain head with SKIP LOCKED (if another sealer holds it, return at
    once: that sealer gets these events too, see below), read the unsealed events by id in batches of SEAL_BATCH,
    give each the next ``seq``, the ``prev_hash`` of the event before it and its ``hash``, write them back and move
    the head. After the round commits, look once more, and if events are waiting, take another round: an event
    whose committer found the head taken (and so returned) was committed before this sealer let go of the head, so
    this look sees it, and no event is left behind.

    Seal order is therefore commit order at the granularity of sealing rounds: an event committed before a round
    took the head is sealed in that round or an earlier one, ahead of every event committed after the round let go
    of it; within a round, events go by id (the order they were written, which need not be the order they
    committed). A round that stops at ROUND_LIMIT leaves the rest, by id, to the next.

    Inside an enclosing transaction (a test, say) it seals what that transaction sees, in one round, and does not
    look again. Otherwise a call takes at most MAX_ROUNDS rounds of at most ROUND_LIMIT events each, so that the
    request whose commit runs it is not held for long: under a steady stream of commits, or with a large backlog,
    it leaves the rest to the next sealer (the next commit's, or audit.seal on beat within AUDIT_SEAL_SECONDS).
    """
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return _seal_round(limit=None) or 0
    total = 0
    for _ in range(MAX_ROUNDS):
        with transaction.atomic():
            _commit_without_waiting_for_the_disk()
            sealed = _seal_round(limit=ROUND_LIMIT)
        if sealed is None:  # another sealer holds the head; it looks again after letting go
            break
        total += sealed
        if not AuditEvent.objects.filter(seq__isnull=True).exists():
            break
    return total


def _commit_without_waiting_for_the_disk() -> None:
    """On PostgreSQL, the sealing transaction's commit does not wait for its WAL to reach the disk: the request
    whose commit runs the sealer is answered sooner. Safe because a seal can be redone: a crash that loses it loses
    it whole (the head and its events together, and only after every earlier commit that was flushed), and the
    events are simply sealed again by the next sealer."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _seal_round(*, limit: int | None) -> int | None:
    """Seal up to ``limit`` events in the caller's transaction; None if another sealer holds the chain head."""
    head = _take_head()
    if head is None:
        return None
    sealed = 0
    while limit is None or sealed < limit:
        batch = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:SEAL_BATCH])
        for event in batch:
            event.seq = head.seq + 1
            event.prev_hash = head.last_hash
            event.hash = _event_hash(event)  # of the values as stored, so that audit_verify recomputes the same
            head.seq, head.last_hash = event.seq, event.hash
        update_rows(AuditEvent, batch, ["seq", "prev_hash", "hash"])
        sealed += len(batch)
        if len(batch) < SEAL_BATCH:
            break
    if sealed:
        head.save(update_fields=["seq", "last_hash"])
    return sealed


def _take_head() -> AuditChainHead | None:
    """The chain head, locked until the transaction ends; None if another sealer holds it. Made if missing."""
    heads = AuditChainHead.objects.select_for_update(skip_locked=True).filter(id=1)
    head = heads.first()
    if head is None and not AuditChainHead.objects.filter(id=1).exists():
        AuditChainHead.objects.get_or_create(id=1)
        head = heads.first()
    return head


@dataclass(frozen=True)
class AuditReport:
    events: int  # sealed events checked
    problems: list[str]
    pending: int  # events not sealed yet, of any age

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify() -> AuditReport:
    """Walk the sealed chain from the first event: dense sequence, links, recomputed hashes, and the head. Then
    count the events not sealed yet; one left unsealed longer than AUDIT_SEAL_GRACE_SECONDS is a problem (the
    sealer is not running). Writes nothing: it does not seal (``manage.py audit_verify`` seals first)."""
    problems: list[str] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    with _one_snapshot():
        sealed = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
        for event in sealed.iterator(chunk_size=2000):
            assert event.seq is not None
            count += 1
            if event.seq != expected_seq:
                problems.append(f"events {expected_seq}..{event.seq - 1} are missing (deleted)")
            if event.prev_hash != prev_hash:
                problems.append(f"event {event.seq}: does not link to the event before it")
            if _event_hash(event) != event.hash:
                problems.append(f"event {event.seq}: content does not match its hash (edited)")
            prev_hash = event.hash or ""
            expected_seq = event.seq + 1
        head = AuditChainHead.objects.filter(id=1).first()
        head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
        if head_seq != expected_seq - 1 or head_hash != prev_hash:
            problems.append(
                f"the chain head says {head_seq} events ending in {head_hash[:12]}, "
                f"but the table ends at {expected_seq - 1} ending in {prev_hash[:12]} (events deleted at the end)"
            )
        pending, stale = _unsealed()
    return AuditReport(events=count, problems=problems + stale, pending=pending)


def audit_check() -> AuditReport:
    """What ``manage.py audit_verify`` and the ``audit.verify`` task check: seal the events waiting for it, then walk
    the chain (``audit_verify``). A seal that fails is a problem of the report (an event forged into the chain's
    next place, say: the walk says more), after the chain's own."""
    seal_problems = []
    try:
        audit_seal()
    except DatabaseError as exc:
        seal_problems.append(f"sealing the waiting events failed: {exc}".strip())
    report = audit_verify()
    return AuditReport(events=report.events, problems=[*report.problems, *seal_problems], pending=report.pending)


def _unsealed() -> tuple[int, list[str]]:
    """How many events wait to be sealed, and a problem for each waiting longer than the grace (the oldest few)."""
    waiting = AuditEvent.objects.filter(seq__isnull=True)
    pending = waiting.count()
    if not pending:
        return 0, []
    now = timezone.now()
    grace = float(settings.AUDIT_SEAL_GRACE_SECONDS)
    overdue = waiting.filter(occurred_at__lt=now - timedelta(seconds=grace)).order_by("id")
    problems = []
    for event in overdue[:STALE_LISTED]:
        recorded = timezone.localtime(event.occurred_at).isoformat(timespec="seconds")
        age = int((now - event.occurred_at).total_seconds())
        problems.append(
            f"event #{event.pk} recorded at {recorded} is still not sealed after {age} s: "
            "is the sealer (audit.seal) running?"
        )
    if len(problems) == STALE_LISTED and (more := overdue.count() - STALE_LISTED):
        problems.append(f"and {more} more events are still not sealed after {grace:g} s")
    return pending, problems


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """On PostgreSQL, read in one REPEATABLE READ, READ ONLY transaction: a sealer committing during the walk would
    otherwise move the head past the events read and look like events deleted at the end. Inside the caller's
    transaction (or on SQLite, where a transaction takes the database's write lock) it reads as things are."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():  # (a reused connection's health check runs before the transaction begins)
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
