"""The card payment provider's adapter (결제대행사 연동): the only code that speaks the provider's protocol.

The protocol is shaped like Toss Payments': the buyer's browser goes to the provider's payment page (``checkout_url``)
and comes back with a payment key to confirm (keep-it-all: charged at once) or an auth key to exchange for a billing
key (all-or-nothing: charged at success); payments are cancelled (a void on the day, a refund later); every status
change comes back as a signed webhook (``verify_webhook``). Locally the provider is the stand-in in
``standins/payment_provider``; a real one plugs in by the PAYMENTS_* settings.

Every call that moves money carries an ``Idempotency-Key``: sent again with the same key, it is answered with the
first answer and never charges twice. A charge or confirm that runs past PAYMENTS_TIMEOUT_SECONDS is looked up by its
order id before it is given up, so a payment that went through after our timeout is found, not lost.

Errors, all ``PaymentError``: ``PaymentDeclined`` (the card company said no: 402, with its code and message),
``PaymentRejected`` (the provider refused the request itself: no such payment, already cancelled...: 409),
``PaymentUnavailable`` (503), ``PaymentTimeout`` (504: the outcome is unknown), ``InvalidWebhook`` (400).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core import errors

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Standin-Signature"
# A webhook signed longer ago than this (or this far in the future) is refused: a replay of an old capture.
WEBHOOK_TOLERANCE_SECONDS = 300
# The card company's refusals: a decline, not a mistake in the request.
DECLINE_CODES = frozenset({
    "REJECT_CARD_COMPANY", "REJECT_CARD_PAYMENT", "INSUFFICIENT_BALANCE", "EXCEED_MAX_DAILY_AMOUNT",
    "EXCEED_MAX_AMOUNT", "EXCEED_MAX_DAILY_PAYMENT_COUNT", "INVALID_CARD_NUMBER", "INVALID_CARD_EXPIRATION",
    "INVALID_STOPPED_CARD", "INVALID_CARD_LOST_OR_STOLEN", "RESTRICTED_CARD",
})


# --- errors ---------------------------------------------------------------------------------------------------------


class PaymentError(errors.DomainError):
    """The provider did not do what was asked. ``provider_code`` is the provider's own code, when it gave one."""

    def __init__(self, message: str, *, provider_code: str = "", provider_message: str = "",
                 fields: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message, fields=fields)
        self.provider_code = provider_code
        self.provider_message = provider_message


class PaymentDeclined(PaymentError, errors.PaymentRefused):
    """The card company declined (잔액 부족, 한도 초과, 거절된 카드): 402 with its code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(_("The card company declined the payment (%(code)s): %(message)s")
                         % {"code": code, "message": message}, provider_code=code, provider_message=message)


class PaymentRejected(PaymentError, errors.InvalidState):
    """The provider refused the request itself (no such payment, already cancelled, another amount): 409."""


class PaymentUnavailable(PaymentError, errors.Unavailable):
    """The provider is not answering, or answered that it cannot now; nothing was charged: 503."""


class PaymentTimeout(PaymentError, errors.OutsideTimeout):
    """The provider did not answer in time, and looking the payment up by its order id did not settle what happened:
    504. Sending the same call again with the same idempotency key is safe."""


class InvalidWebhook(PaymentError, errors.ValidationFailed):
    """A webhook whose signature does not verify, whose timestamp is stale, or whose body is not an event: 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={SIGNATURE_HEADER: [message]})


# --- what the provider answers -----------------------------------------------------------------------------------


class PaymentStatus(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"  # authorised on the payment page, to be confirmed within 10 minutes
    DONE = "DONE"
    CANCELED = "CANCELED"
    PARTIAL_CANCELED = "PARTIAL_CANCELED"
    ABORTED = "ABORTED"  # declined by the card company
    EXPIRED = "EXPIRED"  # not confirmed in time


class CancelKind(enum.StrEnum):
    VOID = "VOID"  # cancelled on the day of approval: the charge never reaches the card's statement (승인취소)
    REFUND = "REFUND"  # cancelled later: money goes back to the card (매입취소, 환불)


@dataclass(frozen=True)
class Cancellation:
    amount: Decimal
    reason: str
    kind: CancelKind
    canceled_at: datetime
    transaction_key: str


@dataclass(frozen=True)
class Payment:
    payment_key: str
    order_id: str
    status: PaymentStatus
    total_amount: Decimal
    balance_amount: Decimal  # what is left after cancellations
    approved_at: datetime | None
    card_number: str  # masked
    billing_key: str | None
    cancellations: tuple[Cancellation, ...]
    failure_code: str | None
    failure_message: str | None

    @property
    def charged(self) -> bool:
        return self.status in (PaymentStatus.DONE, PaymentStatus.CANCELED, PaymentStatus.PARTIAL_CANCELED)


@dataclass(frozen=True)
class BillingKey:
    billing_key: str
    customer_key: str
    card_number: str  # masked
    authenticated_at: datetime


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    event_type: str  # PAYMENT_STATUS_CHANGED or BILLING_KEY_DELETED
    created_at: datetime
    payment: Payment | None  # for PAYMENT_STATUS_CHANGED
    billing_key: str | None  # for BILLING_KEY_DELETED
    data: Mapping[str, Any]


# --- the adapter -----------------------------------------------------------------------------------------------


class _Ambiguous(Exception):
    """The call may or may not have been carried out (a timeout, a 5xx other than 503)."""


class PaymentGateway:
    def __init__(self, *, base_url: str, secret_key: str, client_key: str, webhook_secret: str,
                 timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret_key = secret_key
        self.client_key = client_key
        self.webhook_secret = webhook_secret
        self.timeout_seconds = timeout_seconds

    # The payment page ------------------------------------------------------------------------------------------

    def checkout_url(self, *, mode: str, success_url: str, fail_url: str, customer_key: str = "",
                     amount: Decimal | None = None, order_id: str = "", order_name: str = "") -> str:
        """Where to send the buyer's browser: mode ``payment`` (amount, order id and name: comes back to
        success_url with paymentKey, orderId, amount) or ``billing`` (customer key: comes back with authKey,
        customerKey); a refusal comes back to fail_url with code, message, orderId."""
        if mode not in ("payment", "billing"):
            raise errors.ValidationFailed(_("Unknown checkout mode."), fields={"mode": [_("payment or billing.")]})
        params = {"client_key": self.client_key, "mode": mode, "success_url": success_url, "fail_url": fail_url,
                  "customer_key": customer_key, "order_id": order_id, "order_name": order_name,
                  "amount": str(_won(amount)) if amount is not None else ""}
        return f"{self.base_url}/checkout?{urllib.parse.urlencode({k: v for k, v in params.items() if v})}"

    # Server-to-server calls -------------------------------------------------------------------------------------

    def confirm_payment(self, *, payment_key: str, order_id: str, amount: Decimal, idempotency_key: str) -> Payment:
        """Complete a payment the buyer authorised on the payment page (keep-it-all: charged now). Raises
        PaymentDeclined, PaymentRejected (another amount, expired, already processed), PaymentUnavailable,
        PaymentTimeout."""
        body = {"paymentKey": payment_key, "orderId": order_id, "amount": _won(amount)}
        try:
            return _payment(self._call("POST", "/v1/payments/confirm", body, idempotency_key=idempotency_key))
        except _Ambiguous:
            found = self._reconcile(order_id)
            if found is not None and found.payment_key == payment_key:
                return found
            raise self._timeout(order_id)

    def issue_billing_key(self, *, auth_key: str, customer_key: str, idempotency_key: str) -> BillingKey:
        """Exchange the auth key the payment page gave for a billing key (all-or-nothing: the card is kept to be
        charged at success). Raises PaymentRejected, PaymentUnavailable, PaymentTimeout."""
        try:
            data = self._call("POST", "/v1/billing/authorizations/issue",
                              {"authKey": auth_key, "customerKey": customer_key}, idempotency_key=idempotency_key)
        except _Ambiguous:
            raise self._timeout("")
        return BillingKey(billing_key=data["billingKey"], customer_key=data["customerKey"],
                          card_number=data["card"]["number"], authenticated_at=_when(data["authenticatedAt"]))

    def charge_billing_key(self, *, billing_key: str, customer_key: str, amount: Decimal, order_id: str,
                           order_name: str, idempotency_key: str) -> Payment:
        """Charge a billing key now. A declined charge may be tried again later with the same order id and a new
        idempotency key. Raises PaymentDeclined, PaymentRejected, PaymentUnavailable, PaymentTimeout."""
        body = {"customerKey": customer_key, "amount": _won(amount), "orderId": order_id, "orderName": order_name}
        path = f"/v1/billing/{_quote(billing_key)}"
        try:
            return _payment(self._call("POST", path, body, idempotency_key=idempotency_key))
        except _Ambiguous:
            found = self._reconcile(order_id)
            if found is not None and found.billing_key == billing_key and found.total_amount == _won(amount):
                return found
            raise self._timeout(order_id)

    def cancel_payment(self, *, payment_key: str, reason: str, idempotency_key: str,
                       amount: Decimal | None = None) -> Payment:
        """Cancel a charged payment, whole (``amount`` None) or in part: a void on the day of approval, a refund
        later (the last of ``Payment.cancellations`` says which). Raises PaymentRejected (already cancelled, more
        than the balance), PaymentUnavailable, PaymentTimeout."""
        body: dict[str, Any] = {"cancelReason": reason}
        if amount is not None:
            body["cancelAmount"] = _won(amount)
        try:
            return _payment(self._call("POST", f"/v1/payments/{_quote(payment_key)}/cancel", body,
                                       idempotency_key=idempotency_key))
        except _Ambiguous:
            raise self._timeout("")

    def delete_billing_key(self, *, billing_key: str) -> None:
        """Forget a billing key (a reservation released). A key already deleted counts as deleted. Raises
        PaymentUnavailable, PaymentTimeout."""
        try:
            self._call("DELETE", f"/v1/billing/{_quote(billing_key)}", None, idempotency_key=None)
        except PaymentRejected as exc:
            if exc.provider_code != "NOT_FOUND_BILLING_KEY":
                raise
        except _Ambiguous:
            raise self._timeout("")

    def get_payment(self, *, payment_key: str) -> Payment:
        """Raises PaymentRejected (no such payment), PaymentUnavailable, PaymentTimeout."""
        try:
            return _payment(self._call("GET", f"/v1/payments/{_quote(payment_key)}", None, idempotency_key=None))
        except _Ambiguous:
            raise self._timeout("")

    def find_payment(self, *, order_id: str) -> Payment | None:
        """The latest payment of an order, or None when the provider has none. Raises PaymentUnavailable,
        PaymentTimeout."""
        try:
            return _payment(self._call("GET", f"/v1/payments/orders/{_quote(order_id)}", None,
                                       idempotency_key=None))
        except PaymentRejected as exc:
            if exc.provider_code == "NOT_FOUND_PAYMENT":
                return None
            raise
        except _Ambiguous:
            raise self._timeout(order_id)

    # Webhooks ---------------------------------------------------------------------------------------------------

    def verify_webhook(self, body: bytes, header: str, *, now: datetime) -> WebhookEvent:
        """The event in a webhook's body, once its signature header (``t=<unix>,v1=<hex>``) is checked against the
        webhook secret and its timestamp is within 5 minutes of ``now``. Raises InvalidWebhook."""
        parts: dict[str, list[str]] = {}
        for item in (header or "").split(","):
            name, _sep, value = item.strip().partition("=")
            parts.setdefault(name, []).append(value)
        try:
            timestamp = int(parts["t"][0])
        except (KeyError, ValueError):
            raise InvalidWebhook(_("The webhook has no valid signature header (t=<unix>,v1=<hex>)."))
        expected = hmac.new(self.webhook_secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
            raise InvalidWebhook(_("The webhook's signature does not match its body."))
        age = now.timestamp() - timestamp
        if abs(age) > WEBHOOK_TOLERANCE_SECONDS:
            raise InvalidWebhook(_("The webhook was signed %(seconds)d seconds away from now; at most %(limit)d "
                                   "are accepted.") % {"seconds": int(age), "limit": WEBHOOK_TOLERANCE_SECONDS})
        try:
            event = json.loads(body)
            data = event["data"]
            event_type = str(event["eventType"])
            webhook = WebhookEvent(
                event_id=str(event["eventId"]), event_type=event_type, created_at=_when(event["createdAt"]),
                payment=_payment(data) if event_type == "PAYMENT_STATUS_CHANGED" else None,
                billing_key=data.get("billingKey") if event_type == "BILLING_KEY_DELETED" else None, data=data)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InvalidWebhook(_("The webhook's body is not an event."))
        return webhook

    # Inside ----------------------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict[str, Any] | None, *,
              idempotency_key: str | None) -> dict[str, Any]:
        token = base64.b64encode(f"{self.secret_key}:".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        # The URL is the PAYMENTS_PROVIDER_URL setting's (http or https), never the caller's.
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                return _json_object(response.read())
        except urllib.error.HTTPError as exc:
            answer = _error_body(exc)
            raise self._refusal(exc.code, answer, method, path)
        except TimeoutError:
            logger.warning("payment provider: %s %s took longer than %s s", method, path, self.timeout_seconds)
            raise _Ambiguous()
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                logger.warning("payment provider: %s %s took longer than %s s", method, path, self.timeout_seconds)
                raise _Ambiguous()
            logger.error("payment provider unreachable: %s %s: %s", method, path, exc.reason)
            raise PaymentUnavailable(_("The payment provider is not answering; nothing was charged. Try again "
                                       "in a few minutes."))
        except (ConnectionError, ValueError) as exc:
            logger.error("payment provider: %s %s: %s", method, path, exc)
            raise _Ambiguous()

    def _refusal(self, status: int, answer: dict[str, Any], method: str, path: str) -> Exception:
        code, message = str(answer.get("code", "")), str(answer.get("message", ""))
        if status == 401:
            logger.error("payment provider refused our key (%s): check PAYMENTS_SECRET_KEY", code)
            return PaymentUnavailable(_("The payment provider refused this system's key; nothing was charged."),
                                      provider_code=code, provider_message=message)
        if status == 503:
            return PaymentUnavailable(_("The payment provider cannot take payments now (%(code)s); nothing was "
                                        "charged. Try again in a few minutes.") % {"code": code},
                                      provider_code=code, provider_message=message)
        if status >= 500:
            logger.error("payment provider answered %s to %s %s: %s %s", status, method, path, code, message)
            return _Ambiguous()
        if code in DECLINE_CODES:
            return PaymentDeclined(code, message)
        return PaymentRejected(_("The payment provider refused the request (%(code)s): %(message)s")
                               % {"code": code, "message": message}, provider_code=code, provider_message=message)

    def _reconcile(self, order_id: str) -> Payment | None:
        """After an ambiguous charge: the order's payment if the provider charged it, else None."""
        try:
            found = self.find_payment(order_id=order_id)
        except (PaymentUnavailable, PaymentTimeout):
            return None
        logger.warning("payment provider: order %s looked up after a timeout: %s", order_id,
                       found.status if found else "no payment")
        return found if found is not None and found.charged else None

    def _timeout(self, order_id: str) -> PaymentTimeout:
        if order_id:
            message = _("The payment provider did not answer in time and has no completed payment for order "
                        "%(order)s yet; send the same request again (with the same idempotency key) to find out.") % {
                "order": order_id}
        else:
            message = _("The payment provider did not answer in time; send the same request again (with the same "
                        "idempotency key) to find out what happened.")
        return PaymentTimeout(message)


def gateway() -> PaymentGateway:
    """The configured provider's adapter (the PAYMENTS_* settings)."""
    return PaymentGateway(base_url=settings.PAYMENTS_PROVIDER_URL, secret_key=settings.PAYMENTS_SECRET_KEY,
                          client_key=settings.PAYMENTS_CLIENT_KEY, webhook_secret=settings.PAYMENTS_WEBHOOK_SECRET,
                          timeout_seconds=settings.PAYMENTS_TIMEOUT_SECONDS)


def verify_webhook(body: bytes, header: str, *, now: datetime) -> WebhookEvent:
    """``gateway().verify_webhook``: for the view that receives the provider's webhooks. Raises InvalidWebhook."""
    return gateway().verify_webhook(body, header, now=now)


# --- parsing -------------------------------------------------------------------------------------------------------


def _won(amount: Decimal | None) -> int:
    if amount is None or amount != amount.to_integral_value() or amount <= 0:
        raise errors.ValidationFailed(_("A payment is a positive whole number of won."),
                                      fields={"amount": [_("A positive whole number of won.")]})
    return int(amount)


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _json_object(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _error_body(exc: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        return _json_object(exc.read())
    except (ValueError, OSError):
        return {}


def _payment(data: Mapping[str, Any]) -> Payment:
    failure = data.get("failure") or {}
    return Payment(
        payment_key=data["paymentKey"], order_id=data["orderId"], status=PaymentStatus(data["status"]),
        total_amount=Decimal(data["totalAmount"]), balance_amount=Decimal(data["balanceAmount"]),
        approved_at=_when(data["approvedAt"]) if data.get("approvedAt") else None,
        card_number=(data.get("card") or {}).get("number", ""), billing_key=data.get("billingKey"),
        cancellations=tuple(
            Cancellation(amount=Decimal(c["cancelAmount"]), reason=c["cancelReason"], kind=CancelKind(c["cancelType"]),
                         canceled_at=_when(c["canceledAt"]), transaction_key=c["transactionKey"])
            for c in data.get("cancels") or ()),
        failure_code=failure.get("code"), failure_message=failure.get("message"),
    )
