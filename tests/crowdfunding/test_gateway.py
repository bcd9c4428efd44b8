"""The payment adapter against the running stand-in, over real HTTP: what each call returns, declines with the card
company's code, the slow card's timeout settled by looking the order up, an unavailable provider, and webhook
signatures (a tampered body, a stale timestamp)."""

from __future__ import annotations

import socket
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from api.common.errors import exception_handler
from crowdfunding.gateway import (
    CancelKind,
    InvalidWebhook,
    PaymentDeclined,
    PaymentRejected,
    PaymentStatus,
    PaymentTimeout,
    PaymentUnavailable,
    gateway,
    verify_webhook,
)
from tests.payments import (
    CARD_DECLINED_TWICE,
    CARD_INSUFFICIENT,
    CARD_SLOW,
    CARD_UNAVAILABLE,
)


def billing_key(provider, customer: str = "backer-1", card: str | None = None):
    auth_key = provider.register_card(customer_key=customer, **({"card": card} if card else {}))
    return gateway().issue_billing_key(auth_key=auth_key, customer_key=customer, idempotency_key=f"issue-{auth_key}")


def charge(key, order_id: str, attempt: int = 1, amount: str = "30000"):
    return gateway().charge_billing_key(billing_key=key.billing_key, customer_key=key.customer_key,
                                        amount=Decimal(amount), order_id=order_id, order_name="후원",
                                        idempotency_key=f"charge-{order_id}-{attempt}")


def status_of(exc: Exception):
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data, response.headers


def test_a_payment_authorised_on_the_page_is_confirmed(payment_provider):
    payment_key = payment_provider.authorise(order_id="pledge-0001", amount=25_000)
    payment = gateway().confirm_payment(payment_key=payment_key, order_id="pledge-0001", amount=Decimal("25000"),
                                        idempotency_key="confirm-pledge-0001")
    assert payment.status is PaymentStatus.DONE
    assert (payment.total_amount, payment.balance_amount) == (Decimal(25_000), Decimal(25_000))
    assert payment.payment_key == payment_key and payment.charged
    assert payment.approved_at is not None and payment.approved_at.utcoffset() == timedelta(hours=9)
    assert gateway().get_payment(payment_key=payment_key) == payment
    assert gateway().find_payment(order_id="pledge-0001") == payment


def test_a_confirm_for_another_amount_is_refused_by_the_provider(payment_provider):
    payment_key = payment_provider.authorise(order_id="pledge-0002", amount=25_000)
    with pytest.raises(PaymentRejected) as caught:
        gateway().confirm_payment(payment_key=payment_key, order_id="pledge-0002", amount=Decimal("2500"),
                                  idempotency_key="confirm-pledge-0002")
    assert caught.value.provider_code == "INVALID_AMOUNT"
    assert status_of(caught.value)[0] == 409


def test_amounts_must_be_whole_won(payment_provider):
    payment_key = payment_provider.authorise(order_id="pledge-0003")
    for amount in (Decimal("10000.5"), Decimal(0), Decimal(-1)):
        with pytest.raises(Exception) as caught:
            gateway().confirm_payment(payment_key=payment_key, order_id="pledge-0003", amount=amount,
                                      idempotency_key="c-3")
        assert status_of(caught.value)[0] == 400
        assert "amount" in caught.value.fields


def test_a_billing_key_is_charged_and_a_retried_charge_is_the_same_payment(payment_provider):
    key = billing_key(payment_provider)
    assert key.card_number == "433012******0017" and key.customer_key == "backer-1"
    first = charge(key, "pledge-0004")
    again = charge(key, "pledge-0004")  # the same idempotency key: the first answer
    assert first == again
    assert first.status is PaymentStatus.DONE and first.billing_key == key.billing_key
    with pytest.raises(PaymentRejected) as caught:
        charge(key, "pledge-0004", attempt=2)  # another key for a paid order: refused, not charged twice
    assert caught.value.provider_code == "DUPLICATED_ORDER_ID"


def test_a_declined_charge_is_payment_declined_with_the_card_companys_code(payment_provider):
    key = billing_key(payment_provider, card=CARD_INSUFFICIENT)
    with pytest.raises(PaymentDeclined) as caught:
        charge(key, "pledge-0005")
    assert (caught.value.provider_code, caught.value.code) == ("INSUFFICIENT_BALANCE", "payment_declined")
    with translation.override("en"):
        status, body, _ = status_of(PaymentDeclined(caught.value.provider_code, caught.value.provider_message))
    assert status == 402
    assert body["code"] == "payment_declined"
    assert body["message"].startswith("The card company declined the payment (INSUFFICIENT_BALANCE)")
    failed = gateway().find_payment(order_id="pledge-0005")
    assert failed is not None and failed.status is PaymentStatus.ABORTED and not failed.charged
    assert failed.failure_code == "INSUFFICIENT_BALANCE"


def test_a_card_declined_twice_is_charged_on_the_third_try_of_the_same_order(payment_provider):
    key = billing_key(payment_provider, card=CARD_DECLINED_TWICE)
    for attempt in (1, 2):
        with pytest.raises(PaymentDeclined) as caught:
            charge(key, "pledge-0006", attempt)
        assert caught.value.provider_code == "EXCEED_MAX_DAILY_AMOUNT"
    assert charge(key, "pledge-0006", 3).status is PaymentStatus.DONE


def test_a_slow_charge_is_found_by_its_order_after_the_timeout(payment_provider, caplog):
    key = billing_key(payment_provider, card=CARD_SLOW)
    payment = charge(key, "pledge-0007")
    assert payment.status is PaymentStatus.DONE and payment.order_id == "pledge-0007"
    assert "looked up after a timeout" in caplog.text
    assert gateway().find_payment(order_id="pledge-0007") == payment


def test_a_slow_confirm_is_found_by_its_order_after_the_timeout(payment_provider):
    payment_key = payment_provider.authorise(order_id="pledge-0008", card=CARD_SLOW)
    payment = gateway().confirm_payment(payment_key=payment_key, order_id="pledge-0008", amount=Decimal(10_000),
                                        idempotency_key="confirm-pledge-0008")
    assert payment.status is PaymentStatus.DONE and payment.payment_key == payment_key


def test_a_timeout_with_nothing_charged_is_payment_timeout(payment_provider, settings):
    key = billing_key(payment_provider)
    payment_provider.configure(outage=True)  # the order cannot be looked up either
    with pytest.raises(PaymentUnavailable):
        charge(key, "pledge-0009")
    # a provider that takes the connection and never answers
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        settings.PAYMENTS_PROVIDER_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(PaymentTimeout) as caught:
            charge(key, "pledge-0010")
    finally:
        silent.close()
    status, body, _ = status_of(caught.value)
    assert (status, body["code"]) == (504, "outside_party_timeout")


def test_an_unavailable_provider_is_payment_unavailable(payment_provider, settings):
    key = billing_key(payment_provider, card=CARD_UNAVAILABLE)
    with pytest.raises(PaymentUnavailable) as caught:
        charge(key, "pledge-0011")
    assert caught.value.provider_code == "FAILED_INTERNAL_SYSTEM_PROCESSING"
    status, body, headers = status_of(caught.value)
    assert (status, body["code"], headers["Retry-After"]) == (503, "outside_party_unavailable", "5")
    assert gateway().find_payment(order_id="pledge-0011") is None
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.PAYMENTS_PROVIDER_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(PaymentUnavailable):
        gateway().find_payment(order_id="pledge-0011")


def test_a_wrong_secret_key_is_payment_unavailable(payment_provider, settings):
    settings.PAYMENTS_SECRET_KEY = "test_sk_wrong"
    with pytest.raises(PaymentUnavailable) as caught:
        gateway().find_payment(order_id="pledge-0012")
    assert caught.value.provider_code == "UNAUTHORIZED_KEY"


def test_a_cancel_on_the_day_voids_and_a_later_one_refunds(payment_provider):
    key = billing_key(payment_provider)
    payment = charge(key, "pledge-0013")
    part = gateway().cancel_payment(payment_key=payment.payment_key, reason="부분 환불", amount=Decimal(10_000),
                                    idempotency_key="cancel-0013-1")
    assert (part.status, part.balance_amount) == (PaymentStatus.PARTIAL_CANCELED, Decimal(20_000))
    assert part.cancellations[-1].kind is CancelKind.VOID
    payment_provider.configure(clockOffsetSeconds=24 * 3600)
    rest = gateway().cancel_payment(payment_key=payment.payment_key, reason="후원 취소",
                                    idempotency_key="cancel-0013-2")
    assert (rest.status, rest.balance_amount) == (PaymentStatus.CANCELED, Decimal(0))
    assert [c.kind for c in rest.cancellations] == [CancelKind.VOID, CancelKind.REFUND]
    assert [c.amount for c in rest.cancellations] == [Decimal(10_000), Decimal(20_000)]
    with pytest.raises(PaymentRejected) as caught:
        gateway().cancel_payment(payment_key=payment.payment_key, reason="x", idempotency_key="cancel-0013-3")
    assert caught.value.provider_code == "ALREADY_CANCELED_PAYMENT"


def test_a_billing_key_deleted_twice_is_deleted(payment_provider):
    key = billing_key(payment_provider)
    gateway().delete_billing_key(billing_key=key.billing_key)
    gateway().delete_billing_key(billing_key=key.billing_key)
    with pytest.raises(PaymentRejected) as caught:
        charge(key, "pledge-0014")
    assert caught.value.provider_code == "NOT_FOUND_BILLING_KEY"


def test_the_checkout_url_opens_the_providers_page(payment_provider):
    url = gateway().checkout_url(mode="payment", amount=Decimal(12_000), order_id="pledge-0015",
                                 order_name="우리 마을 빵집", success_url="http://app.test/ok",
                                 fail_url="http://app.test/fail")
    assert url.startswith(payment_provider.url + "/checkout?")
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200 and "12,000원" in response.read().decode()


# --- webhooks ------------------------------------------------------------------------------------------------------


def received_webhook(payment_provider, webhook_sink):
    key = billing_key(payment_provider)
    payment = charge(key, "pledge-0016")
    received = webhook_sink.wait_for(1)[0]
    return payment, received.body, received.headers["Standin-Signature"]


def test_a_signed_webhook_is_verified_into_an_event(payment_provider, webhook_sink):
    payment, body, header = received_webhook(payment_provider, webhook_sink)
    event = verify_webhook(body, header, now=datetime.now(UTC))
    assert event.event_type == "PAYMENT_STATUS_CHANGED"
    assert event.payment == payment
    assert event.billing_key is None and event.data["orderId"] == "pledge-0016"


def test_a_billing_key_deleted_webhook_names_the_key(payment_provider, webhook_sink):
    key = billing_key(payment_provider)
    gateway().delete_billing_key(billing_key=key.billing_key)
    received = webhook_sink.wait_for(1)[0]
    event = verify_webhook(received.body, received.headers["Standin-Signature"], now=datetime.now(UTC))
    assert (event.event_type, event.billing_key, event.payment) == ("BILLING_KEY_DELETED", key.billing_key, None)


def test_a_tampered_body_or_another_secret_is_refused(payment_provider, webhook_sink, settings):
    _, body, header = received_webhook(payment_provider, webhook_sink)
    now = datetime.now(UTC)
    tampered = body.replace(b'"totalAmount":30000', b'"totalAmount":3000000')
    assert tampered != body
    with translation.override("en"), pytest.raises(InvalidWebhook) as caught:
        verify_webhook(tampered, header, now=now)
    assert "does not match" in caught.value.message
    assert status_of(caught.value)[0] == 400
    for bad_header in ("", "t=abc,v1=00", header.split(",")[0]):
        with pytest.raises(InvalidWebhook):
            verify_webhook(body, bad_header, now=now)
    settings.PAYMENTS_WEBHOOK_SECRET = "whsec_another"
    with pytest.raises(InvalidWebhook):
        verify_webhook(body, header, now=now)


def test_a_webhook_signed_more_than_five_minutes_away_is_refused(payment_provider, webhook_sink):
    _, body, header = received_webhook(payment_provider, webhook_sink)
    signed_at = datetime.fromtimestamp(int(header.split(",")[0].removeprefix("t=")), UTC)
    assert verify_webhook(body, header, now=signed_at + timedelta(minutes=5)).event_type
    with translation.override("en"), pytest.raises(InvalidWebhook) as caught:
        verify_webhook(body, header, now=signed_at + timedelta(minutes=5, seconds=1))
    assert "at most 300" in caught.value.message
    with pytest.raises(InvalidWebhook):
        verify_webhook(body, header, now=signed_at - timedelta(minutes=6))


def test_a_replayed_webhook_verifies_as_the_same_event(payment_provider, webhook_sink):
    _, body, header = received_webhook(payment_provider, webhook_sink)
    first = verify_webhook(body, header, now=datetime.now(UTC))
    assert payment_provider.redeliver(first.event_id).status == 200
    replay = webhook_sink.wait_for(2)[1]
    again = verify_webhook(replay.body, replay.headers["Standin-Signature"], now=datetime.now(UTC))
    assert again == first
