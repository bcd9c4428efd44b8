"""Webhooks: every status change POSTed, signed, to the merchant's URL by one background thread.

The signature header is ``Standin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
webhook secret. A delivery answered with anything but 2xx (or not answered) is tried again after a backoff that
doubles, up to ``attempts`` tries in all; each try is logged and kept with its event (``GET /_control/events``).
For tests, deliveries can be held and then released in reverse order, and an event can be delivered again.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("standins.payment_provider.webhooks")

SIGNATURE_HEADER = "Standin-Signature"
DELIVERY_TIMEOUT_SECONDS = 5.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Event:
    event_id: str
    event_type: str
    created_at: str
    data: dict[str, Any]
    body: bytes
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"eventId": self.event_id, "eventType": self.event_type, "createdAt": self.created_at,
                "data": self.data, "delivered": self.delivered, "deliveries": list(self.deliveries)}


class Dispatcher:
    """Delivers events in the order they fall due, one at a time, from its own thread."""

    def __init__(self, *, url: str, secret: str, attempts: int, backoff_seconds: float,
                 unix_now: Callable[[], float], tick: Callable[[], None] | None = None) -> None:
        self.url = url
        self.secret = secret
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.unix_now = unix_now  # the provider's clock (it may be moved by tests), for createdAt and signatures
        self.tick = tick  # called about once a second (the provider expires unconfirmed payments)
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._reset_state()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher", daemon=True)

    def _reset_state(self) -> None:
        self.events: dict[str, Event] = {}
        self.order: list[str] = []  # event ids in the order they were made
        self._queue: list[tuple[float, int, str, int]] = []  # (due, seq, event id, attempt number)
        self._held: list[str] = []
        self.holding = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=10)

    def reset(self) -> None:
        with self._cond:
            self._reset_state()

    # --- what the provider and the control endpoints call --------------------------------------------------------

    def emit(self, event_type: str, data: dict[str, Any]) -> Event:
        created_at = time.strftime("%Y-%m-%dT%H:%M:%S+09:00", time.gmtime(self.unix_now() + 9 * 3600))
        event_id = str(uuid.uuid4())
        payload = {"eventId": event_id, "eventType": event_type, "createdAt": created_at, "data": data}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        event = Event(event_id, event_type, created_at, data, body)
        with self._cond:
            self.events[event_id] = event
            self.order.append(event_id)
            if self.holding:
                self._held.append(event_id)
            else:
                self._push(event_id, 1, delay=0.0)
        return event

    def redeliver(self, event_id: str) -> Event | None:
        """Send an event again (the same id and body, a fresh signature), as a replay."""
        with self._cond:
            event = self.events.get(event_id)
            if event is not None:
                self._push(event_id, 1, delay=0.0)
            return event

    def hold(self) -> None:
        with self._cond:
            self.holding = True

    def release(self, *, reverse: bool) -> list[str]:
        """Stop holding; deliver what was held, newest first when ``reverse``. Returns the ids in delivery order."""
        with self._cond:
            self.holding = False
            held = list(reversed(self._held)) if reverse else list(self._held)
            self._held = []
            for event_id in held:
                self._push(event_id, 1, delay=0.0)
            return held

    def snapshot(self) -> list[dict[str, Any]]:
        with self._cond:
            return [self.events[event_id].as_json() for event_id in self.order]

    # --- the thread --------------------------------------------------------------------------------------------

    def _push(self, event_id: str, attempt: int, *, delay: float) -> None:
        heapq.heappush(self._queue, (time.monotonic() + delay, next(self._seq), event_id, attempt))
        self._cond.notify_all()

    def _run(self) -> None:
        next_tick = time.monotonic()
        while True:
            with self._cond:
                if self._stopping:
                    return
                now = time.monotonic()
                job = None
                if self._queue and self._queue[0][0] <= now:
                    _, _, event_id, attempt = heapq.heappop(self._queue)
                    event = self.events.get(event_id)
                    job = (event, attempt) if event is not None else None
                elif now < next_tick:
                    wait = next_tick - now
                    if self._queue:
                        wait = min(wait, self._queue[0][0] - now)
                    self._cond.wait(timeout=max(wait, 0.0))
                    continue
            if job is not None:
                try:
                    self._deliver(*job)
                except Exception:  # one bad delivery must never stop the others
                    logger.exception("webhook delivery failed")
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + 1.0
                if self.tick is not None:
                    try:
                        self.tick()
                    except Exception:  # the ticker must never stop the deliveries
                        logger.exception("the provider's tick failed")

    def _deliver(self, event: Event, attempt: int) -> None:
        timestamp = int(self.unix_now())
        if not self.url:  # no merchant URL configured: the event is kept (GET /_control/events), not sent
            with self._cond:
                event.deliveries.append({"attempt": attempt, "status": 0, "error": "no webhook URL", "at": timestamp})
            return
        status, error = 0, ""
        try:
            request = urllib.request.Request(self.url, data=event.body, method="POST", headers={  # noqa: S310
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: sign(self.secret, timestamp, event.body),
                "Standin-Event-Id": event.event_id,
            })
            with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status, error = exc.code, exc.reason or ""
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = 200 <= status < 300
        record = {"attempt": attempt, "status": status, "error": error, "at": timestamp}
        with self._cond:
            event.deliveries.append(record)
            if ok:
                event.delivered = True
            elif attempt < self.attempts:
                self._push(event.event_id, attempt + 1, delay=self.backoff_seconds * 2 ** (attempt - 1))
        logger.info("webhook %s %s attempt %d -> %s %s", event.event_type, event.event_id, attempt,
                    status or "no answer", error)
