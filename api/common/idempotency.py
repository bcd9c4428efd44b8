"""``Idempotency-Key`` for API calls that move money.

The first request with a key claims it (a committed in-flight record, so that concurrent requests see it), then
runs the view and stores its response in the same transaction as the view's own writes: either both are committed
or neither is. Afterwards:

- the same key and the same body replays the stored response (header ``Idempotent-Replayed: true``);
- the same key with a different body (or another endpoint) is a 422;
- the same key while the first request is still running is a 409;
- a request that failed (an error status or an exception) releases its claim, so the client may retry with the key.

A claim whose process died is taken over (its transaction was rolled back with it). On PostgreSQL the request
that holds a claim also holds a transaction-scoped advisory lock on it while its view runs, so a claim is taken over
only when its lease has run out AND nobody holds that lock: a slow but live request is never run twice. (On SQLite,
where writers are serialised anyway, the lease alone decides.)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import IdempotencyRecord
from core.db import run_retried
from core.errors import DomainError, IdempotencyConflict, RequestInFlight, ValidationFailed

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[\x20-\x7e]{1,200}$")  # printable ASCII: what a header carries intact (e.g. a UUID)
LEASE = timedelta(seconds=60)
PATH_KEPT = 500  # the path is kept for messages; the fingerprint covers the whole of it
_LOCK_NAMESPACE = 0x1DE0  # first key of pg_advisory_xact_lock(int, int); the record's id is the second


def _hold(record: IdempotencyRecord) -> None:
    """Inside the view's transaction: mark the claim as held by a live request (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, record.pk % 2**31])


def _holder_alive(record: IdempotencyRecord) -> bool:
    """Is a live request still running with this claim? Only PostgreSQL can tell; elsewhere the lease decides."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, record.pk % 2**31])
        return not cursor.fetchone()[0]


@dataclass
class Claim:
    record: IdempotencyRecord
    replay: bool


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps({"method": method, "path": path, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_claim(*, caller: Any, key: str, method: str, path: str, fingerprint: str) -> Claim:
    """Claim ``key`` for this request, or say to replay. Raises IdempotencyConflict, RequestInFlight."""
    now = timezone.now()
    in_flight = RequestInFlight(
        _("A request with %(header)s %(key)s is still being processed; retry shortly.")
        % {"header": HEADER, "key": repr(key)},
        fields={HEADER: [_("a request with this key is in flight")]},
    )
    # A second try: the holder may fail and release the key between our insert and our read of its record.
    for _attempt in range(2):
        try:
            with transaction.atomic():
                created = IdempotencyRecord.objects.create(
                    caller=caller, key=key, method=method, path=path, fingerprint=fingerprint, locked_until=now + LEASE
                )
                return Claim(created, replay=False)
        except IntegrityError:
            pass
        with transaction.atomic():
            record = IdempotencyRecord.objects.select_for_update().filter(caller=caller, key=key).first()
            if record is None:
                continue  # released in the meantime: the key is free again
            if record.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    _("%(header)s %(key)s was already used with a different request (%(method)s %(path)s).")
                    % {"header": HEADER, "key": repr(key), "method": record.method, "path": record.path},
                    fields={HEADER: [_("already used with a different request body or endpoint")]},
                )
            if record.state == IdempotencyRecord.State.COMPLETED:
                return Claim(record, replay=True)
            if record.locked_until > now or _holder_alive(record):
                raise in_flight
            record.locked_until = now + LEASE  # the first holder died; take over
            record.save(update_fields=["locked_until"])
            return Claim(record, replay=False)
    raise in_flight


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: Any) -> None:
    record.state = IdempotencyRecord.State.COMPLETED
    record.response_status = status
    record.response_body = json.loads(JSONRenderer().render(body) or b"null")
    record.completed_at = timezone.now()
    record.save(update_fields=["state", "response_status", "response_body", "completed_at"])


def idempotency_release(*, record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyRecord.State.IN_FLIGHT).delete()


def required_key(request: Any) -> str:
    """The request's ``Idempotency-Key``: 1 to 200 printable ASCII characters once stripped. Raises ValidationFailed
    naming the header. (For a view whose service keeps the key itself, such as a pledge's, which calls a payment
    provider outside any transaction and so cannot be wrapped by ``idempotent``.)"""
    key = str(request.headers.get(HEADER, "")).strip()
    if not key:
        raise ValidationFailed(
            _("The %(header)s header is required for calls that move money.") % {"header": HEADER},
            fields={HEADER: [_("required: a unique string per intended operation, e.g. a UUID")]},
        )
    if len(key) > 200:
        raise ValidationFailed(
            _("The %(header)s header is too long.") % {"header": HEADER},
            fields={HEADER: [_("at most 200 characters")]},
        )
    if not KEY_PATTERN.match(key):
        raise ValidationFailed(
            _("The %(header)s header holds characters it may not.") % {"header": HEADER},
            fields={HEADER: [_("printable ASCII characters only, no control characters (e.g. a UUID)")]},
        )
    return key


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF view method (or viewset action) that moves money."""

    @wraps(view_method)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        key = required_key(request)
        fingerprint = request_fingerprint(request.method, request.path, request.data)
        claim = idempotency_claim(
            caller=request.user, key=key, method=request.method, path=request.path[:PATH_KEPT],
            fingerprint=fingerprint,
        )
        if claim.replay:
            return Response(
                claim.record.response_body,
                status=claim.record.response_status,
                headers={"Idempotent-Replayed": "true"},
            )

        def attempt() -> Response:
            _hold(claim.record)
            response = view_method(self, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                raise _Unsuccessful(response)
            idempotency_complete(record=claim.record, status=response.status_code, body=response.data)
            return response

        try:
            # The view's writes and the stored response in one transaction, run again after a deadlock.
            response = run_retried(attempt)
        except _Unsuccessful as unsuccessful:
            idempotency_release(record=claim.record)
            return unsuccessful.response
        except BaseException:
            idempotency_release(record=claim.record)
            raise
        return response

    wrapper.requires_idempotency_key = True  # type: ignore[attr-defined]  # read by api.common.schema to document it
    return wrapper


SERVICE_KEY_FIELD = "idempotency_key"


@contextmanager
def key_named_as_header() -> Iterator[None]:
    """Around a service that takes the header's key as its ``idempotency_key`` argument: an error the service raises
    about that argument (a key another user already used on the same object, say) names the header the client sent
    it in, as every other refusal of the key does."""
    try:
        yield
    except DomainError as exc:
        if SERVICE_KEY_FIELD in exc.fields:
            exc.fields = {(HEADER if name == SERVICE_KEY_FIELD else name): messages
                          for name, messages in exc.fields.items()}
        raise


class _Unsuccessful(Exception):
    """Carries a non-2xx response out of the transaction so that its writes are rolled back."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response
