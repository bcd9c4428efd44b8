"""The payment provider's stand-in for the tests: one server per test process, fresh state for each test.

``payment_provider`` (function scope) resets the stand-in, points the PAYMENTS_* settings at it (a call timeout of
TIMEOUT_SECONDS, the slow card answering after SLOW_SECONDS) and gives a ``ProviderClient`` for its API and its
control endpoints. ``webhook_sink`` is a small HTTP server that records the webhooks it is sent (and can refuse the
next few), for tests of the deliveries themselves; the app's own webhook view is the usual target otherwise.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from standins.payment_provider.server import Config, RunningProvider

CARD_OK = "4330123400000017"  # always approved
CARD_DECLINED_AT_CHECKOUT = "4330123400000025"  # refused on the payment page (REJECT_CARD_COMPANY)
CARD_INSUFFICIENT = "4330123400000033"  # billing key issued, every charge declined (INSUFFICIENT_BALANCE)
CARD_DECLINED_TWICE = "4330123400000041"  # charges declined twice (EXCEED_MAX_DAILY_AMOUNT), then approved
CARD_SLOW = "4330123400000058"  # approved, but answered after SLOW_SECONDS (past the adapter's timeout)
CARD_UNAVAILABLE = "4330123400000066"  # charges answered 503, nothing charged
TIMEOUT_SECONDS = 1.0
SLOW_SECONDS = 2.0
WAIT_SECONDS = 20.0  # how long a test waits for something the stand-in does in the background (never asserted)

_CONFIG = Config(secret_key="test_sk_pytest", client_key="test_ck_pytest", webhook_secret="whsec_pytest",
                 control=True, slow_seconds=SLOW_SECONDS, webhook_attempts=4, webhook_backoff_seconds=0.05)


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ProviderClient:
    """Speaks to the running stand-in directly (not through the adapter)."""

    url: str
    secret_key: str
    client_key: str
    webhook_secret: str

    def call(self, method: str, path: str, body: Any = None, *, key: str | None = "secret",
             idempotency_key: str | None = None, raw: bytes | None = None) -> Reply:
        """``key``: "secret" (server-to-server), "client" (the checkout shortcut), None (no Authorization), or any
        other string used as the key itself."""
        headers = {"Content-Type": "application/json"}
        if key is not None:
            secret = {"secret": self.secret_key, "client": self.client_key}.get(key, key)
            headers["Authorization"] = "Basic " + base64.b64encode(f"{secret}:".encode()).decode()
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, json.loads(response.read() or b"{}"), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, json.loads(exc.read() or b"{}"), dict(exc.headers))

    # The payment page, without a browser (POST /v1/test/checkout) ----------------------------------------------

    def checkout(self, *, mode: str = "payment", card: str = CARD_OK, amount: int = 10_000, order_id: str = "",
                 order_name: str = "후원", customer_key: str = "") -> Reply:
        body: dict[str, Any] = {"mode": mode, "cardNumber": card, "cardExpiry": "12/39", "birthDate": "900101"}
        if mode == "payment":
            body.update(amount=amount, orderId=order_id, orderName=order_name)
        if customer_key:
            body["customerKey"] = customer_key
        return self.call("POST", "/v1/test/checkout", body, key="client")

    def authorise(self, *, order_id: str, amount: int = 10_000, card: str = CARD_OK) -> str:
        """A payment authorised on the page, waiting for its confirm: its payment key."""
        reply = self.checkout(mode="payment", card=card, amount=amount, order_id=order_id)
        assert reply.status == 200, reply.body
        return str(reply.body["paymentKey"])

    def register_card(self, *, customer_key: str, card: str = CARD_OK) -> str:
        """A card registered for billing on the page: the auth key to exchange for a billing key."""
        reply = self.checkout(mode="billing", card=card, customer_key=customer_key)
        assert reply.status == 200, reply.body
        return str(reply.body["authKey"])

    # Control ------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        assert self.call("POST", "/_control/reset", {}, key=None).status == 200

    def configure(self, **changes: Any) -> dict[str, Any]:
        """webhookUrl, webhookBackoffSeconds, webhookAttempts, slowSeconds, outage, clockOffsetSeconds."""
        reply = self.call("POST", "/_control/config", changes, key=None)
        assert reply.status == 200, reply.body
        return reply.body

    def events(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/_control/events", key=None).body["events"])

    def redeliver(self, event_id: str) -> Reply:
        return self.call("POST", f"/_control/events/{event_id}/redeliver", {}, key=None)

    def hold_webhooks(self) -> None:
        assert self.call("POST", "/_control/webhooks/hold", {}, key=None).status == 200

    def release_webhooks(self, *, reverse: bool = False) -> list[str]:
        path = "/_control/webhooks/release" + ("?order=reverse" if reverse else "")
        return list(self.call("POST", path, {}, key=None).body["released"])

    def expire(self, payment_key: str) -> Reply:
        return self.call("POST", f"/_control/expire/{payment_key}", {}, key=None)

    def wait_for_events(self, done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        """The events once ``done(events)`` holds (deliveries run in the stand-in's thread)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            events = self.events()
            if done(events):
                return events
            if time.monotonic() > deadline:
                raise AssertionError(f"the stand-in's events never got there: {json.dumps(events)[:2000]}")
            time.sleep(0.02)


@pytest.fixture(scope="session")
def _payment_provider_server() -> Iterator[RunningProvider]:
    running = RunningProvider(_CONFIG).start_in_thread()
    yield running
    running.stop()


@pytest.fixture
def payment_provider(_payment_provider_server: RunningProvider, settings: Any) -> ProviderClient:
    client = ProviderClient(_payment_provider_server.url, _CONFIG.secret_key, _CONFIG.client_key,
                            _CONFIG.webhook_secret)
    client.reset()
    client.configure(webhookUrl="", slowSeconds=SLOW_SECONDS, webhookAttempts=_CONFIG.webhook_attempts,
                     webhookBackoffSeconds=_CONFIG.webhook_backoff_seconds)
    settings.PAYMENTS_PROVIDER_URL = client.url
    settings.PAYMENTS_SECRET_KEY = client.secret_key
    settings.PAYMENTS_CLIENT_KEY = client.client_key
    settings.PAYMENTS_WEBHOOK_SECRET = client.webhook_secret
    settings.PAYMENTS_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    return client


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class WebhookSink:
    """Records every POST; answers 500 to the next ``refuse`` ones, 200 after."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink._lock:
                    sink.received.append(Received(dict(self.headers), body))
                    status = 500 if sink.refuse > 0 else 200
                    sink.refuse = max(sink.refuse - 1, 0)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int) -> list[Received]:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} webhooks arrived, not {count}")
            time.sleep(0.02)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_sink(payment_provider: ProviderClient) -> Iterator[WebhookSink]:
    """A receiver the stand-in's webhooks go to for this test."""
    sink = WebhookSink()
    payment_provider.configure(webhookUrl=sink.url)
    yield sink
    payment_provider.configure(webhookUrl="")
    sink.close()
