"""The stand-in provider's state and rules, in memory under one lock: payments, billing keys, idempotency.

Shaped like a Korean card gateway (Toss Payments' API in particular): a payment page authorises a card and hands
back a payment key to be confirmed within ten minutes, or an auth key to be exchanged for a billing key that is
charged later; payments are cancelled whole or in part (a cancel on the day of approval is a void, later a refund);
every status change is sent as a signed webhook (``webhooks.Dispatcher``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from . import cards
from .cards import Behaviour

KST = timezone(timedelta(hours=9), "KST")
# An authorised payment not confirmed within this long expires (EXPIRED), as a gateway's payment session does.
CONFIRM_WINDOW = timedelta(minutes=10)
MAX_AMOUNT = 1_000_000_000
ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
CUSTOMER_KEY = re.compile(r"^[A-Za-z0-9_=.@-]{2,50}$")
IDEMPOTENCY_KEY_MAX = 300

# Statuses of a payment.
IN_PROGRESS = "IN_PROGRESS"  # authorised on the payment page, waiting for the merchant's confirm
DONE = "DONE"
CANCELED = "CANCELED"
PARTIAL_CANCELED = "PARTIAL_CANCELED"
ABORTED = "ABORTED"  # the card company declined the confirm or the charge
EXPIRED = "EXPIRED"  # not confirmed within CONFIRM_WINDOW
# An order id whose payment ended in one of these may be used again (the order was never paid).
REUSABLE = {ABORTED, EXPIRED}


class ProviderError(Exception):
    """An answer other than 2xx: ``{code, message}`` (and whatever ``extra`` adds) with ``status``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


def _bad(message: str, code: str = "INVALID_REQUEST") -> ProviderError:
    return ProviderError(400, code, message)


@dataclass
class Clock:
    """The provider's clock: real time, moved by ``offset`` seconds (tests move it to make a refund or an expiry)."""

    offset: float = 0.0

    def now(self) -> datetime:
        return datetime.now(KST) + timedelta(seconds=self.offset)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@dataclass
class Payment:
    payment_key: str
    order_id: str
    order_name: str
    amount: int
    card_number: str
    kind: str  # NORMAL (payment page, then confirm) or BILLING (charged with a billing key)
    requested_at: datetime
    status: str = IN_PROGRESS
    balance: int = 0
    customer_key: str | None = None
    billing_key: str | None = None
    approved_at: datetime | None = None
    expires_at: datetime | None = None
    approve_no: str | None = None
    last_transaction_key: str | None = None
    cancels: list[dict[str, Any]] = field(default_factory=list)
    failure: dict[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "paymentKey": self.payment_key,
            "orderId": self.order_id,
            "orderName": self.order_name,
            "type": self.kind,
            "status": self.status,
            "method": "카드",
            "currency": "KRW",
            "totalAmount": self.amount,
            "balanceAmount": self.balance,
            "requestedAt": iso(self.requested_at),
            "approvedAt": iso(self.approved_at),
            "lastTransactionKey": self.last_transaction_key,
            "customerKey": self.customer_key,
            "billingKey": self.billing_key,
            "card": {"number": cards.mask(self.card_number), "approveNo": self.approve_no},
            "cancels": list(self.cancels) or None,
            "failure": self.failure,
        }


@dataclass
class BillingAuth:
    auth_key: str
    customer_key: str
    card_number: str


@dataclass
class BillingKey:
    billing_key: str
    customer_key: str
    card_number: str
    authenticated_at: datetime
    declines: int = 0  # charges declined so far (a DECLINED_TWICE card is approved after two)

    def as_json(self) -> dict[str, Any]:
        return {
            "billingKey": self.billing_key,
            "customerKey": self.customer_key,
            "method": "카드",
            "authenticatedAt": iso(self.authenticated_at),
            "card": {"number": cards.mask(self.card_number)},
        }


# An answer: HTTP status, JSON body, and how long to wait before sending it (the slow card).
Answer = tuple[int, dict[str, Any], float]

_IN_FLIGHT = object()
F = TypeVar("F", bound=Callable[..., Any])


def _saved(method: F) -> F:
    """A change of the state: made under the lock, then written to the state file (when there is one), also when
    the method ends in a refusal (a declined charge is a change too)."""

    @functools.wraps(method)
    def wrapper(self: Provider, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            try:
                return method(self, *args, **kwargs)
            finally:
                self.save()

    return wrapper  # type: ignore[return-value]


def _to_json(record: Any) -> dict[str, Any]:
    return {name: iso(value) if isinstance(value, datetime) else value for name, value in asdict(record).items()}


def _from_json(kind: type[Any], values: dict[str, Any]) -> Any:
    dated = {f.name for f in fields(kind) if "datetime" in str(f.type)}
    return kind(**{name: datetime.fromisoformat(value) if name in dated and value else value
                   for name, value in values.items()})


class Provider:
    """All the provider's state. Every public method takes the lock; webhooks are handed to ``emit``."""

    def __init__(self, *, secret_key: str, client_key: str, slow_seconds: float, emit: Any,
                 state_file: Path | None = None) -> None:
        self.state_file = state_file
        self.secret_key = secret_key
        self.client_key = client_key
        self.slow_seconds = slow_seconds
        self.emit = emit  # emit(event_type, data): hands an event to the webhook dispatcher
        self.clock = Clock()
        self.outage = False
        self.lock = threading.RLock()
        self._clear()
        self.load()

    def _clear(self) -> None:
        self.payments: dict[str, Payment] = {}
        self.orders: dict[str, str] = {}  # order id -> its latest payment's key
        self.auths: dict[str, BillingAuth] = {}
        self.billing_keys: dict[str, BillingKey] = {}
        self.card_declines: dict[str, int] = {}  # confirms declined so far per card (DECLINED_TWICE)
        self.idempotency: dict[str, Any] = {}  # key -> (fingerprint, answer) or (fingerprint, _IN_FLIGHT)

    @_saved
    def reset(self) -> None:
        self._clear()
        self.clock = Clock()
        self.outage = False

    # --- the state file (``--state-file``): billing keys made while ``load_demo`` ran still work beside runserver --

    def save(self) -> None:
        """Write the whole state to the state file (a new file, then renamed over the old: never half-written)."""
        if self.state_file is None:
            return
        with self.lock:
            state = {
                "payments": [_to_json(p) for p in self.payments.values()],
                "orders": self.orders,
                "auths": [_to_json(a) for a in self.auths.values()],
                "billing_keys": [_to_json(b) for b in self.billing_keys.values()],
                "card_declines": self.card_declines,
                # Answers only: a request still in flight when the provider stops never finished.
                "idempotency": {key: [fingerprint, list(answer)] for key, (fingerprint, answer)
                                in self.idempotency.items() if answer is not _IN_FLIGHT},
            }
            temporary = self.state_file.with_name(self.state_file.name + ".tmp")
            temporary.write_text(json.dumps(state, ensure_ascii=False))
            os.replace(temporary, self.state_file)

    def load(self) -> None:
        """Read the state file, if there is one (a first start has none)."""
        if self.state_file is None or not self.state_file.exists():
            return
        state = json.loads(self.state_file.read_text())
        with self.lock:
            self.payments = {p["payment_key"]: _from_json(Payment, p) for p in state["payments"]}
            self.orders = dict(state["orders"])
            self.auths = {a["auth_key"]: _from_json(BillingAuth, a) for a in state["auths"]}
            self.billing_keys = {b["billing_key"]: _from_json(BillingKey, b) for b in state["billing_keys"]}
            self.card_declines = dict(state["card_declines"])
            self.idempotency = {key: (fingerprint, tuple(answer))
                                for key, (fingerprint, answer) in state["idempotency"].items()}

    # --- idempotency ---------------------------------------------------------------------------------------------

    def idempotent_begin(self, key: str, fingerprint: str) -> Answer | None:
        """The first answer to this key, or None when the call is new (it is then marked in flight)."""
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise _bad(f"Idempotency-Key is longer than {IDEMPOTENCY_KEY_MAX} characters.")
        with self.lock:
            seen = self.idempotency.get(key)
            if seen is None:
                self.idempotency[key] = (fingerprint, _IN_FLIGHT)
                return None
            first_fingerprint, answer = seen
            if first_fingerprint != fingerprint:
                raise ProviderError(422, "INVALID_IDEMPOTENCY_KEY",
                                    "This Idempotency-Key was used with another request; use a new key.")
            if answer is _IN_FLIGHT:
                raise ProviderError(409, "IDEMPOTENT_REQUEST_PROCESSING",
                                    "A request with this Idempotency-Key is still being processed.")
            return answer

    @_saved
    def idempotent_finish(self, key: str, fingerprint: str, answer: Answer) -> None:
        """Keep the answer for replays; a 5xx is not kept (nothing happened, the same key may try again)."""
        with self.lock:
            if answer[0] >= 500:
                self.idempotency.pop(key, None)
            else:
                self.idempotency[key] = (fingerprint, (answer[0], answer[1], 0.0))

    # --- the payment page --------------------------------------------------------------------------------------

    @_saved
    def checkout(self, params: dict[str, Any], card: dict[str, Any]) -> dict[str, Any]:
        """What the payment page does once the buyer submits the card: authorise a payment (mode ``payment``) or
        a billing key's authentication (mode ``billing``). Raises ProviderError (the page's fail redirect)."""
        mode = params.get("mode")
        if mode not in ("payment", "billing"):
            raise _bad("mode must be 'payment' or 'billing'.")
        number = _card(card, self.clock.now())
        with self.lock:
            self._expire_due()
            if mode == "billing":
                customer_key = _customer_key(params, required=True)
                assert customer_key is not None
                if cards.behaviour_of(number) is Behaviour.DECLINED_AT_CHECKOUT:
                    raise ProviderError(403, "REJECT_CARD_COMPANY", "카드사에서 카드 등록을 거절했습니다.")
                auth = BillingAuth(_key("ak"), customer_key, number)
                self.auths[auth.auth_key] = auth
                return {"authKey": auth.auth_key, "customerKey": customer_key}
            amount = _amount(params, "amount")
            order_id = _order_id(params)
            order_name = _text(params, "orderName", 100)
            customer_key = _customer_key(params, required=False)
            self._order_free(order_id)
            if cards.behaviour_of(number) is Behaviour.DECLINED_AT_CHECKOUT:
                raise ProviderError(403, "REJECT_CARD_COMPANY", "카드사에서 결제를 거절했습니다.", orderId=order_id)
            now = self.clock.now()
            payment = Payment(_key("pk"), order_id, order_name, amount, number, "NORMAL", now,
                              customer_key=customer_key, expires_at=now + CONFIRM_WINDOW)
            self._store(payment)
            return {"paymentKey": payment.payment_key, "orderId": order_id, "amount": amount}

    # --- server-to-server calls ----------------------------------------------------------------------------------

    @_saved
    def confirm(self, body: dict[str, Any]) -> Answer:
        payment_key = _text(body, "paymentKey", 200)
        order_id = _text(body, "orderId", 64)
        amount = _amount(body, "amount")
        with self.lock:
            self._expire_due()
            payment = self.payments.get(payment_key)
            if payment is None or payment.order_id != order_id:
                raise ProviderError(404, "NOT_FOUND_PAYMENT", "No payment with this paymentKey and orderId.")
            if payment.status == EXPIRED:
                raise ProviderError(400, "NOT_FOUND_PAYMENT_SESSION",
                                    "The payment was not confirmed within 10 minutes of its authorisation and "
                                    "has expired.")
            if payment.status != IN_PROGRESS:
                raise ProviderError(400, "ALREADY_PROCESSED_PAYMENT",
                                    f"The payment has already been processed (status {payment.status}).")
            if amount != payment.amount:
                raise _bad(f"amount {amount} differs from the authorised amount {payment.amount}.",
                           "INVALID_AMOUNT")
            behaviour = cards.behaviour_of(payment.card_number)
            if behaviour is Behaviour.UNAVAILABLE:
                raise _unavailable()
            if behaviour is Behaviour.INSUFFICIENT_BALANCE:
                self._abort(payment, "INSUFFICIENT_BALANCE", "잔액이 부족합니다.")
            if behaviour is Behaviour.DECLINED_TWICE:
                declined = self.card_declines.get(payment.card_number, 0)
                if declined < cards.DECLINES_BEFORE_APPROVAL:
                    self.card_declines[payment.card_number] = declined + 1
                    self._abort(payment, "EXCEED_MAX_DAILY_AMOUNT", "일일 한도를 초과했습니다.")
            self._approve(payment)
            return 200, payment.as_json(), self._delay(behaviour)

    @_saved
    def issue_billing_key(self, body: dict[str, Any]) -> Answer:
        auth_key = _text(body, "authKey", 200)
        customer_key = _customer_key(body, required=True)
        with self.lock:
            auth = self.auths.get(auth_key)
            if auth is None:
                raise ProviderError(404, "NOT_FOUND_AUTH_KEY", "No such authKey, or it was already used.")
            if auth.customer_key != customer_key:
                raise _bad("customerKey differs from the one the card was registered with.",
                           "NOT_MATCHES_CUSTOMER_KEY")
            del self.auths[auth_key]
            record = BillingKey(_key("bk"), auth.customer_key, auth.card_number, self.clock.now())
            self.billing_keys[record.billing_key] = record
            return 200, record.as_json(), 0.0

    @_saved
    def charge(self, billing_key: str, body: dict[str, Any]) -> Answer:
        customer_key = _customer_key(body, required=True)
        amount = _amount(body, "amount")
        order_id = _order_id(body)
        order_name = _text(body, "orderName", 100)
        with self.lock:
            record = self.billing_keys.get(billing_key)
            if record is None:
                raise ProviderError(404, "NOT_FOUND_BILLING_KEY", "No such billing key (never issued or deleted).")
            if record.customer_key != customer_key:
                raise _bad("customerKey differs from the billing key's.", "NOT_MATCHES_CUSTOMER_KEY")
            self._order_free(order_id)
            behaviour = cards.behaviour_of(record.card_number)
            if behaviour is Behaviour.UNAVAILABLE:
                raise _unavailable()
            payment = Payment(_key("pk"), order_id, order_name, amount, record.card_number, "BILLING",
                              self.clock.now(), customer_key=customer_key, billing_key=billing_key)
            self._store(payment)
            if behaviour is Behaviour.INSUFFICIENT_BALANCE:
                self._abort(payment, "INSUFFICIENT_BALANCE", "잔액이 부족합니다.")
            if behaviour is Behaviour.DECLINED_TWICE and record.declines < cards.DECLINES_BEFORE_APPROVAL:
                record.declines += 1
                self._abort(payment, "EXCEED_MAX_DAILY_AMOUNT", "일일 한도를 초과했습니다.")
            self._approve(payment)
            return 200, payment.as_json(), self._delay(behaviour)

    @_saved
    def cancel(self, payment_key: str, body: dict[str, Any]) -> Answer:
        reason = _text(body, "cancelReason", 200)
        with self.lock:
            payment = self._payment(payment_key)
            if payment.status == CANCELED:
                raise ProviderError(400, "ALREADY_CANCELED_PAYMENT", "The payment has already been cancelled.")
            if payment.status not in (DONE, PARTIAL_CANCELED):
                raise ProviderError(403, "NOT_CANCELABLE_PAYMENT",
                                    f"A payment in status {payment.status} cannot be cancelled.")
            amount = _amount(body, "cancelAmount") if body.get("cancelAmount") is not None else payment.balance
            if amount > payment.balance:
                raise ProviderError(400, "NOT_CANCELABLE_AMOUNT",
                                    f"cancelAmount {amount} exceeds the cancelable balance {payment.balance}.")
            now = self.clock.now()
            assert payment.approved_at is not None
            # The card company has not bought the slip on the day of approval: a cancel then is a void (승인취소);
            # later it is a refund (매입취소) that reaches the card's statement in a few days.
            kind = "VOID" if now.date() == payment.approved_at.date() else "REFUND"
            payment.last_transaction_key = _key("tx")
            payment.cancels.append({
                "cancelAmount": amount, "cancelReason": reason, "canceledAt": iso(now), "cancelType": kind,
                "transactionKey": payment.last_transaction_key,
            })
            payment.balance -= amount
            payment.status = CANCELED if payment.balance == 0 else PARTIAL_CANCELED
            self._emit_payment(payment)
            return 200, payment.as_json(), 0.0

    @_saved
    def delete_billing_key(self, billing_key: str) -> Answer:
        with self.lock:
            record = self.billing_keys.pop(billing_key, None)
            if record is None:
                raise ProviderError(404, "NOT_FOUND_BILLING_KEY", "No such billing key (never issued or deleted).")
            data = {"billingKey": billing_key, "customerKey": record.customer_key,
                    "deletedAt": iso(self.clock.now()), "status": "DELETED"}
            self.emit("BILLING_KEY_DELETED", data)
            return 200, data, 0.0

    def get_payment(self, payment_key: str) -> Answer:
        with self.lock:
            self._expire_due()
            return 200, self._payment(payment_key).as_json(), 0.0

    def get_order(self, order_id: str) -> Answer:
        with self.lock:
            self._expire_due()
            payment_key = self.orders.get(order_id)
            if payment_key is None:
                raise ProviderError(404, "NOT_FOUND_PAYMENT", "No payment for this orderId.")
            return 200, self.payments[payment_key].as_json(), 0.0

    @_saved
    def expire(self, payment_key: str) -> Answer:
        """Control: the payment session runs out now (as if ten minutes had passed without a confirm)."""
        with self.lock:
            payment = self._payment(payment_key)
            if payment.status != IN_PROGRESS:
                raise ProviderError(400, "NOT_EXPIRABLE_PAYMENT",
                                    f"Only an authorised payment waiting for its confirm expires; this one is "
                                    f"{payment.status}.")
            self._set_expired(payment)
            return 200, payment.as_json(), 0.0

    def expire_due(self) -> None:
        with self.lock:
            if self._expire_due():
                self.save()

    # --- inside the lock -------------------------------------------------------------------------------------------

    def _payment(self, payment_key: str) -> Payment:
        payment = self.payments.get(payment_key)
        if payment is None:
            raise ProviderError(404, "NOT_FOUND_PAYMENT", "No payment with this paymentKey.")
        return payment

    def _order_free(self, order_id: str) -> None:
        payment_key = self.orders.get(order_id)
        if payment_key is not None and self.payments[payment_key].status not in REUSABLE:
            raise ProviderError(400, "DUPLICATED_ORDER_ID", "This orderId was already used for another payment.",
                                orderId=order_id)

    def _store(self, payment: Payment) -> None:
        self.payments[payment.payment_key] = payment
        self.orders[payment.order_id] = payment.payment_key

    def _approve(self, payment: Payment) -> None:
        payment.status = DONE
        payment.approved_at = self.clock.now()
        payment.expires_at = None
        payment.balance = payment.amount
        payment.approve_no = f"{secrets.randbelow(10**8):08d}"
        payment.last_transaction_key = _key("tx")
        self._emit_payment(payment)

    def _abort(self, payment: Payment, code: str, message: str) -> None:
        """The card company declined: the payment ends ABORTED (its order id may be tried again) and the caller
        gets a 403 with the card company's code."""
        payment.status = ABORTED
        payment.expires_at = None
        payment.failure = {"code": code, "message": message}
        self._emit_payment(payment)
        raise ProviderError(403, code, message, orderId=payment.order_id, paymentKey=payment.payment_key)

    def _set_expired(self, payment: Payment) -> None:
        payment.status = EXPIRED
        payment.expires_at = None
        self._emit_payment(payment)

    def _expire_due(self) -> bool:
        now = self.clock.now()
        expired = False
        for payment in self.payments.values():
            if payment.status == IN_PROGRESS and payment.expires_at is not None and payment.expires_at <= now:
                self._set_expired(payment)
                expired = True
        return expired

    def _emit_payment(self, payment: Payment) -> None:
        self.emit("PAYMENT_STATUS_CHANGED", payment.as_json())

    def _delay(self, behaviour: Behaviour) -> float:
        return self.slow_seconds if behaviour is Behaviour.SLOW else 0.0


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _unavailable() -> ProviderError:
    return ProviderError(503, "FAILED_INTERNAL_SYSTEM_PROCESSING",
                         "The card network is not answering; nothing was charged. Try again later.")


def _key(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(18)}"


def _text(body: dict[str, Any], name: str, max_length: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{name} is required (a non-empty string).")
    if len(value) > max_length:
        raise _bad(f"{name} is longer than {max_length} characters.")
    return value


def _amount(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_AMOUNT:
        raise _bad(f"{name} must be a whole number of won from 1 to {MAX_AMOUNT}.")
    return value


def _order_id(body: dict[str, Any]) -> str:
    value = body.get("orderId")
    if not isinstance(value, str) or not ORDER_ID.match(value):
        raise _bad("orderId must be 6 to 64 characters of letters, digits, '-' and '_'.")
    return value


def _customer_key(body: dict[str, Any], *, required: bool) -> str | None:
    value = body.get("customerKey")
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not CUSTOMER_KEY.match(value):
        raise _bad("customerKey must be 2 to 50 characters of letters, digits, '-', '_', '=', '.' and '@'.")
    return value


def _card(card: dict[str, Any], now: datetime) -> str:
    """The card's number, once the number, the expiry and the birth date (or business number) are well formed."""
    number = cards.normalise(str(card.get("cardNumber") or ""))
    if not number.isdigit() or not 14 <= len(number) <= 16 or not cards.luhn_valid(number):
        raise ProviderError(400, "INVALID_CARD_NUMBER", "카드 번호를 확인해 주세요.")
    expiry = str(card.get("cardExpiry") or "").replace("/", "").strip()
    if len(expiry) != 4 or not expiry.isdigit() or not 1 <= int(expiry[:2]) <= 12:
        raise ProviderError(400, "INVALID_CARD_EXPIRATION", "유효기간을 MM/YY 형식으로 입력해 주세요.")
    month, year = int(expiry[:2]), 2000 + int(expiry[2:])
    if (year, month) < (now.year, now.month):
        raise ProviderError(400, "INVALID_CARD_EXPIRATION", "유효기간이 지난 카드입니다.")
    birth = str(card.get("birthDate") or "").strip()
    if not birth.isdigit() or len(birth) not in (6, 10):
        raise ProviderError(400, "INVALID_BIRTH_DATE",
                            "생년월일 6자리(YYMMDD) 또는 사업자등록번호 10자리를 입력해 주세요.")
    return number
