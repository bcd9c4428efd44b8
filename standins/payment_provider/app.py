"""The stand-in's HTTP interface: a plain WSGI application over ``state.Provider``.

Server-to-server calls authenticate with ``Authorization: Basic base64(secret_key + ":")``; the test-mode checkout
shortcut with the client key the same way. Every POST and DELETE under /v1/ honours ``Idempotency-Key``: the same
key with the same request returns the first answer (a retried call never charges twice), with another request 422.
Errors are ``{code, message}`` with a 4xx (5xx when the provider itself is unavailable).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from . import pages
from .state import Answer, Provider, ProviderError, fingerprint
from .webhooks import Dispatcher

logger = logging.getLogger("standins.payment_provider")

StartResponse = Callable[..., Any]
REASONS = {200: "OK", 303: "See Other", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 422: "Unprocessable Entity",
           500: "Internal Server Error", 503: "Service Unavailable"}
MAX_BODY = 64 * 1024


class App:
    def __init__(self, provider: Provider, dispatcher: Dispatcher, *, control: bool) -> None:
        self.provider = provider
        self.dispatcher = dispatcher
        self.control = control

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        try:
            if path == "/checkout":
                return self._checkout_page(environ, method, start_response)
            if path.startswith("/_control/") and self.control:
                status, body, _ = self._control(environ, method, path)
            elif path.startswith("/v1/"):
                status, body, delay = self._api(environ, method, path)
                if delay:
                    time.sleep(delay)  # the slow card: done already, the answer comes late
            elif path in ("/", "/healthz"):
                status, body = 200, {"status": "ok", "service": "payment provider stand-in"}
            else:
                raise ProviderError(404, "NOT_FOUND", f"No such path: {path}")
        except ProviderError as exc:
            status, body = exc.status, exc.body()
        return _json(start_response, status, body)

    # --- the API -------------------------------------------------------------------------------------------------

    def _api(self, environ: dict[str, Any], method: str, path: str) -> Answer:
        secret = self.provider.client_key if path == "/v1/test/checkout" else self.provider.secret_key
        _authenticate(environ, secret)
        if self.provider.outage:
            raise ProviderError(503, "FAILED_INTERNAL_SYSTEM_PROCESSING", "The provider is down for maintenance.")
        body = _read_json(environ) if method == "POST" else {}
        handler = self._route(method, path, body)
        key = environ.get("HTTP_IDEMPOTENCY_KEY")
        if method not in ("POST", "DELETE") or not key:
            return _answer(handler)
        print_ = fingerprint(method, path, body)
        replay = self.provider.idempotent_begin(key, print_)
        if replay is not None:
            return replay
        try:
            answer = _answer(handler)
        except BaseException:
            self.provider.idempotent_finish(key, print_, (500, {}, 0.0))
            raise
        self.provider.idempotent_finish(key, print_, answer)
        return answer

    def _route(self, method: str, path: str, body: dict[str, Any]) -> Callable[[], Answer]:
        p = self.provider
        parts = [urllib.parse.unquote(part) for part in path.strip("/").split("/")]
        routes: list[tuple[str, str, Callable[[list[str]], Callable[[], Answer]]]] = [
            ("POST", "v1/test/checkout", lambda _: lambda: (200, p.checkout(body, body), 0.0)),
            ("POST", "v1/payments/confirm", lambda _: lambda: p.confirm(body)),
            ("GET", "v1/payments/orders/*", lambda a: lambda: p.get_order(a[0])),
            ("POST", "v1/payments/*/cancel", lambda a: lambda: p.cancel(a[0], body)),
            ("GET", "v1/payments/*", lambda a: lambda: p.get_payment(a[0])),
            ("POST", "v1/billing/authorizations/issue", lambda _: lambda: p.issue_billing_key(body)),
            ("POST", "v1/billing/*", lambda a: lambda: p.charge(a[0], body)),
            ("DELETE", "v1/billing/*", lambda a: lambda: p.delete_billing_key(a[0])),
        ]
        path_matched = False
        for route_method, pattern, make in routes:
            args = _match(pattern, parts)
            if args is None:
                continue
            path_matched = True
            if route_method == method:
                return make(args)
        if path_matched:
            raise ProviderError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}.")
        raise ProviderError(404, "NOT_FOUND", f"No such path: {path}")

    # --- the payment page ----------------------------------------------------------------------------------------

    def _checkout_page(self, environ: dict[str, Any], method: str, start_response: StartResponse) -> Iterable[bytes]:
        if method == "GET":
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            params = {name: query.get(name, [""])[0] for name in pages.PARAMS}
        elif method == "POST":
            form = urllib.parse.parse_qs(_read(environ).decode("utf-8", "replace"))
            params = {name: form.get(name, [""])[0] for name in pages.PARAMS}
        else:
            return _html(start_response, 405, pages.error_page("GET 또는 POST만 받습니다."))
        problem = self._page_problem(params)
        if problem:
            return _html(start_response, 400, pages.error_page(problem))
        if method == "GET":
            return _html(start_response, 200, pages.form(params))
        card = {"cardNumber": form.get("card_number", [""])[0], "cardExpiry": form.get("card_expiry", [""])[0],
                "birthDate": form.get("birth_date", [""])[0]}
        if form.get("action", [""])[0] == "cancel":
            return _redirect(start_response, params["fail_url"], {"code": "PAY_PROCESS_CANCELED",
                             "message": "구매자가 결제를 취소했습니다.", "orderId": params["order_id"]})
        api_params = {"mode": params["mode"], "amount": params["amount"], "orderId": params["order_id"],
                      "orderName": params["order_name"], "customerKey": params["customer_key"]}
        try:
            result = self.provider.checkout(api_params, card)
        except ProviderError as exc:
            if exc.code.startswith("INVALID_CARD") or exc.code == "INVALID_BIRTH_DATE":
                return _html(start_response, 400, pages.form(params, error=exc.message, card=card))
            return _redirect(start_response, params["fail_url"],
                             {"code": exc.code, "message": exc.message, "orderId": params["order_id"]})
        return _redirect(start_response, params["success_url"], {k: str(v) for k, v in result.items()})

    def _page_problem(self, params: dict[str, str]) -> str:
        if not hmac.compare_digest(params["client_key"].encode(), self.provider.client_key.encode()):
            return "클라이언트 키가 올바르지 않습니다 (client_key)."
        if params["mode"] not in ("payment", "billing"):
            return "mode는 payment 또는 billing이어야 합니다."
        for name in ("success_url", "fail_url"):
            if urllib.parse.urlsplit(params[name]).scheme not in ("http", "https"):
                return f"{name}는 http(s) 주소여야 합니다."
        return ""

    # --- control (test mode only) ----------------------------------------------------------------------------

    def _control(self, environ: dict[str, Any], method: str, path: str) -> Answer:
        parts = path.strip("/").split("/")[1:]
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        if method == "GET" and parts == ["events"]:
            return 200, {"events": self.dispatcher.snapshot()}, 0.0
        if method != "POST":
            raise ProviderError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}.")
        if parts == ["reset"]:
            self.provider.reset()
            self.dispatcher.reset()
            return 200, {"reset": True}, 0.0
        if parts == ["config"]:
            return 200, self._configure(_read_json(environ)), 0.0
        if len(parts) == 3 and parts[0] == "events" and parts[2] == "redeliver":
            event = self.dispatcher.redeliver(parts[1])
            if event is None:
                raise ProviderError(404, "NOT_FOUND_EVENT", "No such event.")
            return 200, event.as_json(), 0.0
        if parts == ["webhooks", "hold"]:
            self.dispatcher.hold()
            return 200, {"holding": True}, 0.0
        if parts == ["webhooks", "release"]:
            released = self.dispatcher.release(reverse=query.get("order", [""])[0] == "reverse")
            return 200, {"holding": False, "released": released}, 0.0
        if len(parts) == 2 and parts[0] == "expire":
            return self.provider.expire(parts[1])
        raise ProviderError(404, "NOT_FOUND", f"No such path: {path}")

    def _configure(self, body: dict[str, Any]) -> dict[str, Any]:
        """Change how the running provider behaves; only the names given change."""
        with self.provider.lock:
            if "webhookUrl" in body:
                self.dispatcher.url = str(body["webhookUrl"] or "")
            if "webhookBackoffSeconds" in body:
                self.dispatcher.backoff_seconds = float(body["webhookBackoffSeconds"])
            if "webhookAttempts" in body:
                self.dispatcher.attempts = int(body["webhookAttempts"])
            if "slowSeconds" in body:
                self.provider.slow_seconds = float(body["slowSeconds"])
            if "outage" in body:
                self.provider.outage = bool(body["outage"])
            if "clockOffsetSeconds" in body:
                self.provider.clock.offset = float(body["clockOffsetSeconds"])
            return {"webhookUrl": self.dispatcher.url, "webhookBackoffSeconds": self.dispatcher.backoff_seconds,
                    "webhookAttempts": self.dispatcher.attempts, "slowSeconds": self.provider.slow_seconds,
                    "outage": self.provider.outage, "clockOffsetSeconds": self.provider.clock.offset}


def _answer(handler: Callable[[], Answer]) -> Answer:
    try:
        return handler()
    except ProviderError as exc:
        return exc.status, exc.body(), 0.0


def _match(pattern: str, parts: list[str]) -> list[str] | None:
    expected = pattern.split("/")
    if len(expected) != len(parts):
        return None
    args = []
    for want, got in zip(expected, parts, strict=True):
        if want == "*":
            if not got:
                return None
            args.append(got)
        elif want != got:
            return None
    return args


def _authenticate(environ: dict[str, Any], secret: str) -> None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    given, _, _ = decoded.partition(":")
    if scheme.lower() != "basic" or not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise ProviderError(401, "UNAUTHORIZED_KEY", "The API key is missing or wrong (Basic base64(key + ':')).")


def _read(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise ProviderError(400, "INVALID_REQUEST", f"The body is larger than {MAX_BODY} bytes.")
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _read_json(environ: dict[str, Any]) -> dict[str, Any]:
    raw = _read(environ)
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProviderError(400, "INVALID_REQUEST", "The body is not valid JSON.")
    if not isinstance(body, dict):
        raise ProviderError(400, "INVALID_REQUEST", "The body must be a JSON object.")
    return body


def _json(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))]
    if status == 503:
        headers.append(("Retry-After", "5"))
    start_response(f"{status} {REASONS.get(status, 'Error')}", headers)
    return [data]


def _html(start_response: StartResponse, status: int, page: bytes) -> list[bytes]:
    start_response(f"{status} {REASONS.get(status, 'Error')}", [
        ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page))),
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action *"),
    ])
    return [page]


def _redirect(start_response: StartResponse, url: str, params: dict[str, str]) -> list[bytes]:
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    location = url + joiner + urllib.parse.urlencode(params)
    start_response("303 See Other", [("Location", location), ("Content-Length", "0")])
    return [b""]

