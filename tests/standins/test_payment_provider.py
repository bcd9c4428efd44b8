"""The payment provider's stand-in by itself, over real HTTP: each endpoint, its keys, idempotency, each test card,
cancels as voids and refunds, signed webhooks with their retries, holding and reverse release, replays."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import threading
import urllib.parse

import pytest

from standins.payment_provider.cards import TEST_CARDS, luhn_valid
from standins.payment_provider.server import Config, RunningProvider
from tests.payments import (
    CARD_DECLINED_AT_CHECKOUT,
    CARD_DECLINED_TWICE,
    CARD_INSUFFICIENT,
    CARD_OK,
    CARD_SLOW,
    CARD_UNAVAILABLE,
    ProviderClient,
)


def billing_key(provider: ProviderClient, customer: str = "backer-1", card: str = CARD_OK) -> str:
    auth_key = provider.register_card(customer_key=customer, card=card)
    reply = provider.call("POST", "/v1/billing/authorizations/issue", {"authKey": auth_key, "customerKey": customer})
    assert reply.status == 200, reply.body
    return str(reply.body["billingKey"])


def charge(provider: ProviderClient, key: str, order_id: str, *, amount: int = 30_000, customer: str = "backer-1",
           idempotency_key: str | None = None):
    return provider.call("POST", f"/v1/billing/{key}", {"customerKey": customer, "amount": amount,
                                                        "orderId": order_id, "orderName": "후원"},
                         idempotency_key=idempotency_key)


def confirmed(provider: ProviderClient, order_id: str, amount: int = 10_000) -> str:
    payment_key = provider.authorise(order_id=order_id, amount=amount)
    reply = provider.call("POST", "/v1/payments/confirm",
                          {"paymentKey": payment_key, "orderId": order_id, "amount": amount})
    assert reply.status == 200, reply.body
    return payment_key


# --- keys ----------------------------------------------------------------------------------------------------------


def test_server_calls_without_the_secret_key_are_refused(payment_provider):
    for key in (None, "wrong", "client"):
        reply = payment_provider.call("GET", "/v1/payments/orders/order-0001", key=key)
        assert (reply.status, reply.body["code"]) == (401, "UNAUTHORIZED_KEY")


def test_the_checkout_shortcut_takes_the_client_key_not_the_secret_key(payment_provider):
    body = {"mode": "billing", "customerKey": "c-1", "cardNumber": CARD_OK, "cardExpiry": "12/39",
            "birthDate": "900101"}
    assert payment_provider.call("POST", "/v1/test/checkout", body, key="secret").status == 401
    assert payment_provider.call("POST", "/v1/test/checkout", body, key="client").status == 200


def test_a_body_that_is_not_a_json_object_is_a_400(payment_provider):
    reply = payment_provider.call("POST", "/v1/payments/confirm", raw=b"{not json")
    assert (reply.status, reply.body["code"]) == (400, "INVALID_REQUEST")
    reply = payment_provider.call("POST", "/v1/payments/confirm", raw=b"[1]")
    assert reply.status == 400


# --- payments through the page, then confirmed ---------------------------------------------------------------------


def test_an_authorised_payment_is_confirmed_and_found_by_key_and_by_order(payment_provider):
    payment_key = payment_provider.authorise(order_id="order-0001", amount=25_000)
    assert payment_provider.call("GET", f"/v1/payments/{payment_key}").body["status"] == "IN_PROGRESS"
    reply = payment_provider.call("POST", "/v1/payments/confirm",
                                  {"paymentKey": payment_key, "orderId": "order-0001", "amount": 25_000})
    assert reply.status == 200
    assert (reply.body["status"], reply.body["totalAmount"], reply.body["balanceAmount"]) == ("DONE", 25_000, 25_000)
    assert reply.body["card"]["number"] == "433012******0017"
    assert payment_provider.call("GET", "/v1/payments/orders/order-0001").body["paymentKey"] == payment_key


def test_a_confirm_with_another_amount_is_refused_and_leaves_the_payment_authorised(payment_provider):
    payment_key = payment_provider.authorise(order_id="order-0002", amount=25_000)
    reply = payment_provider.call("POST", "/v1/payments/confirm",
                                  {"paymentKey": payment_key, "orderId": "order-0002", "amount": 2_500})
    assert (reply.status, reply.body["code"]) == (400, "INVALID_AMOUNT")
    assert payment_provider.call("GET", f"/v1/payments/{payment_key}").body["status"] == "IN_PROGRESS"


def test_a_confirm_of_an_unknown_payment_or_another_order_is_not_found(payment_provider):
    payment_key = payment_provider.authorise(order_id="order-0003")
    for key, order in (("pk_nothing", "order-0003"), (payment_key, "order-other")):
        reply = payment_provider.call("POST", "/v1/payments/confirm",
                                      {"paymentKey": key, "orderId": order, "amount": 10_000})
        assert (reply.status, reply.body["code"]) == (404, "NOT_FOUND_PAYMENT")


def test_a_second_confirm_is_refused_but_the_same_idempotent_call_gets_the_first_answer(payment_provider):
    payment_key = payment_provider.authorise(order_id="order-0004")
    body = {"paymentKey": payment_key, "orderId": "order-0004", "amount": 10_000}
    first = payment_provider.call("POST", "/v1/payments/confirm", body, idempotency_key="idem-1")
    again = payment_provider.call("POST", "/v1/payments/confirm", body, idempotency_key="idem-1")
    assert first.status == again.status == 200
    assert first.body == again.body
    other = payment_provider.call("POST", "/v1/payments/confirm", body, idempotency_key="idem-2")
    assert (other.status, other.body["code"]) == (400, "ALREADY_PROCESSED_PAYMENT")
    changed = payment_provider.call("POST", "/v1/payments/confirm", {**body, "amount": 9_000},
                                    idempotency_key="idem-1")
    assert (changed.status, changed.body["code"]) == (422, "INVALID_IDEMPOTENCY_KEY")


def test_an_order_id_is_used_once(payment_provider):
    confirmed(payment_provider, "order-0005")
    reply = payment_provider.checkout(order_id="order-0005")
    assert (reply.status, reply.body["code"]) == (400, "DUPLICATED_ORDER_ID")


def test_an_unconfirmed_payment_expires(payment_provider):
    payment_key = payment_provider.authorise(order_id="order-0006")
    assert payment_provider.expire(payment_key).body["status"] == "EXPIRED"
    reply = payment_provider.call("POST", "/v1/payments/confirm",
                                  {"paymentKey": payment_key, "orderId": "order-0006", "amount": 10_000})
    assert (reply.status, reply.body["code"]) == (400, "NOT_FOUND_PAYMENT_SESSION")
    # ten minutes later, by the provider's clock
    later = payment_provider.authorise(order_id="order-0007")
    payment_provider.configure(clockOffsetSeconds=11 * 60)
    assert payment_provider.call("GET", f"/v1/payments/{later}").body["status"] == "EXPIRED"
    # an expired order was never paid: its id may be used again
    assert payment_provider.checkout(order_id="order-0007").status == 200


def test_the_card_form_is_checked(payment_provider):
    for card, expiry, birth, code in (
        ("4330123400000018", "12/39", "900101", "INVALID_CARD_NUMBER"),  # Luhn fails
        ("1234", "12/39", "900101", "INVALID_CARD_NUMBER"),
        (CARD_OK, "13/39", "900101", "INVALID_CARD_EXPIRATION"),
        (CARD_OK, "01/20", "900101", "INVALID_CARD_EXPIRATION"),
        (CARD_OK, "12/39", "9001", "INVALID_BIRTH_DATE"),
    ):
        reply = payment_provider.call("POST", "/v1/test/checkout", {
            "mode": "payment", "amount": 1000, "orderId": "order-0008", "orderName": "후원", "cardNumber": card,
            "cardExpiry": expiry, "birthDate": birth}, key="client")
        assert (reply.status, reply.body["code"]) == (400, code)


def test_amounts_are_positive_whole_won(payment_provider):
    for amount in (0, -1, 10.5, "1e3", True, 10**10):
        reply = payment_provider.checkout(order_id="order-0009", amount=amount)  # type: ignore[arg-type]
        assert (reply.status, reply.body["code"]) == (400, "INVALID_REQUEST"), amount


# --- billing keys --------------------------------------------------------------------------------------------------


def test_a_billing_key_is_issued_once_per_auth_key_and_charged(payment_provider):
    auth_key = payment_provider.register_card(customer_key="backer-1")
    wrong = payment_provider.call("POST", "/v1/billing/authorizations/issue",
                                  {"authKey": auth_key, "customerKey": "someone-else"})
    assert (wrong.status, wrong.body["code"]) == (400, "NOT_MATCHES_CUSTOMER_KEY")
    issued = payment_provider.call("POST", "/v1/billing/authorizations/issue",
                                   {"authKey": auth_key, "customerKey": "backer-1"})
    assert issued.status == 200
    assert issued.body["card"]["number"] == "433012******0017"
    again = payment_provider.call("POST", "/v1/billing/authorizations/issue",
                                  {"authKey": auth_key, "customerKey": "backer-1"})
    assert (again.status, again.body["code"]) == (404, "NOT_FOUND_AUTH_KEY")
    reply = charge(payment_provider, issued.body["billingKey"], "pledge-0001")
    assert (reply.status, reply.body["status"], reply.body["type"]) == (200, "DONE", "BILLING")
    assert charge(payment_provider, issued.body["billingKey"], "pledge-0002", customer="x-2").body["code"] == (
        "NOT_MATCHES_CUSTOMER_KEY")


def test_a_retried_charge_with_the_same_key_charges_once(payment_provider):
    key = billing_key(payment_provider)
    first = charge(payment_provider, key, "pledge-0003", idempotency_key="charge-pledge-0003")
    again = charge(payment_provider, key, "pledge-0003", idempotency_key="charge-pledge-0003")
    assert first.body == again.body
    without_key = charge(payment_provider, key, "pledge-0003")
    assert (without_key.status, without_key.body["code"]) == (400, "DUPLICATED_ORDER_ID")


def test_a_deleted_billing_key_cannot_be_charged(payment_provider, webhook_sink):
    key = billing_key(payment_provider)
    assert payment_provider.call("DELETE", f"/v1/billing/{key}").status == 200
    reply = charge(payment_provider, key, "pledge-0004")
    assert (reply.status, reply.body["code"]) == (404, "NOT_FOUND_BILLING_KEY")
    assert payment_provider.call("DELETE", f"/v1/billing/{key}").status == 404
    event = webhook_sink.wait_for(1)[0].event
    assert (event["eventType"], event["data"]["billingKey"]) == ("BILLING_KEY_DELETED", key)


# --- the test cards ------------------------------------------------------------------------------------------------


def test_the_test_cards_are_valid_numbers_each_with_its_own_behaviour():
    assert all(luhn_valid(card.number) for card in TEST_CARDS)
    assert len({card.behaviour for card in TEST_CARDS}) == len(TEST_CARDS)


def test_the_declined_card_is_refused_at_checkout_in_both_modes(payment_provider):
    reply = payment_provider.checkout(order_id="order-0010", card=CARD_DECLINED_AT_CHECKOUT)
    assert (reply.status, reply.body["code"], reply.body["orderId"]) == (403, "REJECT_CARD_COMPANY", "order-0010")
    reply = payment_provider.checkout(mode="billing", customer_key="c-1", card=CARD_DECLINED_AT_CHECKOUT)
    assert (reply.status, reply.body["code"]) == (403, "REJECT_CARD_COMPANY")


def test_the_insufficient_card_gets_a_billing_key_and_every_charge_is_declined(payment_provider):
    key = billing_key(payment_provider, card=CARD_INSUFFICIENT)
    for _ in range(3):
        reply = charge(payment_provider, key, "pledge-0005")
        assert (reply.status, reply.body["code"]) == (403, "INSUFFICIENT_BALANCE")
    payment = payment_provider.call("GET", "/v1/payments/orders/pledge-0005").body
    assert (payment["status"], payment["failure"]["code"]) == ("ABORTED", "INSUFFICIENT_BALANCE")


def test_the_declined_twice_card_is_approved_on_the_third_charge(payment_provider):
    key = billing_key(payment_provider, card=CARD_DECLINED_TWICE)
    codes = [charge(payment_provider, key, "pledge-0006").body.get("code") for _ in range(2)]
    assert codes == ["EXCEED_MAX_DAILY_AMOUNT"] * 2
    assert charge(payment_provider, key, "pledge-0006").body["status"] == "DONE"


def test_the_unavailable_card_gets_a_503_and_nothing_is_charged(payment_provider):
    key = billing_key(payment_provider, card=CARD_UNAVAILABLE)
    reply = charge(payment_provider, key, "pledge-0007", idempotency_key="k-7")
    assert (reply.status, reply.headers["Retry-After"]) == (503, "5")
    assert payment_provider.call("GET", "/v1/payments/orders/pledge-0007").status == 404
    # a 503 is not kept for the key: the same call is tried again
    assert charge(payment_provider, key, "pledge-0007", idempotency_key="k-7").status == 503


def test_the_slow_card_is_charged_before_its_late_answer(payment_provider):
    key = billing_key(payment_provider, card=CARD_SLOW)
    answers = []
    caller = threading.Thread(target=lambda: answers.append(charge(payment_provider, key, "pledge-0008")))
    caller.start()
    payment_provider.wait_for_events(lambda events: any(e["data"].get("orderId") == "pledge-0008" for e in events))
    found = payment_provider.call("GET", "/v1/payments/orders/pledge-0008").body
    assert found["status"] == "DONE"
    assert not answers  # the charge is done, its answer not yet sent
    caller.join()
    assert answers[0].body["paymentKey"] == found["paymentKey"]


def test_an_outage_answers_503_everywhere(payment_provider):
    payment_provider.configure(outage=True)
    reply = payment_provider.call("GET", "/v1/payments/orders/order-0011")
    assert (reply.status, reply.body["code"]) == (503, "FAILED_INTERNAL_SYSTEM_PROCESSING")


# --- cancels -------------------------------------------------------------------------------------------------------


def test_a_cancel_on_the_day_is_a_void_in_parts_then_whole(payment_provider):
    payment_key = confirmed(payment_provider, "order-0012", amount=30_000)
    part = payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel",
                                 {"cancelReason": "부분 취소", "cancelAmount": 10_000})
    assert (part.body["status"], part.body["balanceAmount"]) == ("PARTIAL_CANCELED", 20_000)
    too_much = payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel",
                                     {"cancelReason": "x", "cancelAmount": 20_001})
    assert (too_much.status, too_much.body["code"]) == (400, "NOT_CANCELABLE_AMOUNT")
    rest = payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel", {"cancelReason": "후원 취소"})
    assert (rest.body["status"], rest.body["balanceAmount"]) == ("CANCELED", 0)
    assert [c["cancelType"] for c in rest.body["cancels"]] == ["VOID", "VOID"]
    assert [c["cancelAmount"] for c in rest.body["cancels"]] == [10_000, 20_000]
    again = payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel", {"cancelReason": "x"})
    assert (again.status, again.body["code"]) == (400, "ALREADY_CANCELED_PAYMENT")


def test_a_cancel_on_a_later_day_is_a_refund(payment_provider):
    payment_key = confirmed(payment_provider, "order-0013")
    payment_provider.configure(clockOffsetSeconds=24 * 3600)
    reply = payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel", {"cancelReason": "환불"})
    assert reply.body["cancels"][0]["cancelType"] == "REFUND"


def test_a_payment_not_charged_cannot_be_cancelled(payment_provider):
    payment_key = payment_provider.authorise(order_id="order-0014")
    reply = payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel", {"cancelReason": "x"})
    assert (reply.status, reply.body["code"]) == (403, "NOT_CANCELABLE_PAYMENT")
    reply = payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel", {})
    assert (reply.status, reply.body["code"]) == (400, "INVALID_REQUEST")


# --- webhooks ------------------------------------------------------------------------------------------------------


def test_every_status_change_is_sent_signed_with_the_webhook_secret(payment_provider, webhook_sink):
    payment_key = confirmed(payment_provider, "order-0015")
    payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel", {"cancelReason": "x"})
    received = webhook_sink.wait_for(2)
    assert [r.event["data"]["status"] for r in received] == ["DONE", "CANCELED"]
    for r in received:
        assert r.event["eventType"] == "PAYMENT_STATUS_CHANGED"
        assert r.event["data"]["paymentKey"] == payment_key
        fields = dict(part.split("=", 1) for part in r.headers["Standin-Signature"].split(","))
        expected = hmac.new(payment_provider.webhook_secret.encode(), f"{fields['t']}.".encode() + r.body,
                            hashlib.sha256).hexdigest()
        assert fields["v1"] == expected


def test_a_refused_delivery_is_tried_again_and_each_try_is_kept(payment_provider, webhook_sink):
    webhook_sink.refuse = 2
    confirmed(payment_provider, "order-0016")
    received = webhook_sink.wait_for(3)
    assert len({r.event["eventId"] for r in received}) == 1
    events = payment_provider.wait_for_events(lambda events: events and events[0]["delivered"])
    assert [d["status"] for d in events[0]["deliveries"]] == [500, 500, 200]


def test_deliveries_stop_after_the_last_attempt(payment_provider, webhook_sink):
    webhook_sink.refuse = 100
    confirmed(payment_provider, "order-0017")
    events = payment_provider.wait_for_events(lambda events: events and len(events[0]["deliveries"]) == 4)
    assert not events[0]["delivered"]
    assert len(webhook_sink.received) == 4


def test_held_webhooks_are_released_in_reverse_order(payment_provider, webhook_sink):
    payment_provider.hold_webhooks()
    payment_key = confirmed(payment_provider, "order-0018", amount=30_000)
    for _ in range(2):
        payment_provider.call("POST", f"/v1/payments/{payment_key}/cancel",
                              {"cancelReason": "x", "cancelAmount": 15_000})
    assert webhook_sink.received == []
    released = payment_provider.release_webhooks(reverse=True)
    received = webhook_sink.wait_for(3)
    assert [r.event["eventId"] for r in received] == released
    assert [r.event["data"]["status"] for r in received] == ["CANCELED", "PARTIAL_CANCELED", "DONE"]


def test_an_event_is_replayed_with_its_id_and_body(payment_provider, webhook_sink):
    confirmed(payment_provider, "order-0019")
    first = webhook_sink.wait_for(1)[0]
    assert payment_provider.redeliver(first.event["eventId"]).status == 200
    replay = webhook_sink.wait_for(2)[1]
    assert replay.body == first.body
    assert payment_provider.redeliver("no-such-event").status == 404


# --- the payment page ----------------------------------------------------------------------------------------------


def page(provider: ProviderClient, method: str, params: dict[str, str], form: dict[str, str] | None = None):
    parts = urllib.parse.urlsplit(provider.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    if method == "GET":
        connection.request("GET", "/checkout?" + urllib.parse.urlencode(params))
    else:
        connection.request("POST", "/checkout", urllib.parse.urlencode({**params, **(form or {})}),
                           {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, response.getheader("Location") or "", body


def page_params(provider: ProviderClient, **changes: str) -> dict[str, str]:
    return {"client_key": provider.client_key, "mode": "payment", "amount": "15000", "order_id": "order-0020",
            "order_name": "우리 마을 빵집", "success_url": "http://app.test/pay/ok?x=1",
            "fail_url": "http://app.test/pay/fail", **changes}


CARD_FORM = {"card_number": CARD_OK, "card_expiry": "12/39", "birth_date": "900101", "action": "pay"}


def test_the_page_shows_the_order_and_a_card_form(payment_provider):
    status, _, html = page(payment_provider, "GET", page_params(payment_provider))
    assert status == 200
    assert "15,000원" in html and "우리 마을 빵집" in html and 'name="card_number"' in html
    assert 'name="viewport"' in html and "http" not in html.split("<body>")[1].replace("http://app.test", "")
    status, _, html = page(payment_provider, "GET", page_params(payment_provider, client_key="wrong"))
    assert status == 400 and "client_key" in html


def test_the_page_redirects_to_success_with_the_payment_key(payment_provider):
    status, location, _ = page(payment_provider, "POST", page_params(payment_provider), CARD_FORM)
    assert status == 303 and location.startswith("http://app.test/pay/ok?x=1&")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert (query["orderId"], query["amount"]) == (["order-0020"], ["15000"])
    assert payment_provider.call("GET", f"/v1/payments/{query['paymentKey'][0]}").body["status"] == "IN_PROGRESS"


def test_the_page_in_billing_mode_redirects_with_the_auth_key(payment_provider):
    params = page_params(payment_provider, mode="billing", customer_key="backer-9", amount="", order_id="")
    status, location, _ = page(payment_provider, "POST", params, CARD_FORM)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert status == 303 and query["customerKey"] == ["backer-9"] and query["authKey"][0].startswith("ak_")


def test_the_page_sends_refusals_to_the_fail_url_and_shows_typing_mistakes(payment_provider):
    status, location, _ = page(payment_provider, "POST", page_params(payment_provider),
                               {**CARD_FORM, "card_number": CARD_DECLINED_AT_CHECKOUT})
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert status == 303 and location.startswith("http://app.test/pay/fail?")
    assert (query["code"], query["orderId"]) == (["REJECT_CARD_COMPANY"], ["order-0020"])
    status, location, _ = page(payment_provider, "POST", page_params(payment_provider),
                               {**CARD_FORM, "action": "cancel"})
    assert "code=PAY_PROCESS_CANCELED" in location
    status, _, html = page(payment_provider, "POST", page_params(payment_provider),
                           {**CARD_FORM, "card_number": "1111"})
    assert status == 400 and "카드 번호를 확인해 주세요" in html


# --- control endpoints only in test mode ---------------------------------------------------------------------------


def test_without_control_mode_there_are_no_control_endpoints():
    running = RunningProvider(Config(control=False)).start_in_thread()
    try:
        client = ProviderClient(running.url, "k", "c", "w")
        assert client.call("POST", "/_control/reset", {}, key=None).status == 404
    finally:
        running.stop()


@pytest.mark.parametrize("path", ["/v1/nothing", "/elsewhere"])
def test_unknown_paths_are_404(payment_provider, path):
    assert payment_provider.call("GET", path).status == 404


# --- the state file (--state-file) ---------------------------------------------------------------------------------


def _started(config: Config) -> tuple[RunningProvider, ProviderClient]:
    running = RunningProvider(config).start_in_thread()
    return running, ProviderClient(running.url, config.secret_key, config.client_key, config.webhook_secret)


def test_a_provider_started_again_with_its_state_file_still_charges_the_billing_keys_it_issued(tmp_path):
    state = tmp_path / "payment-provider.json"
    config = Config(secret_key="test_sk_state", client_key="test_ck_state", state_file=str(state))
    running, provider = _started(config)
    try:
        declining = billing_key(provider, customer="backer-2", card=CARD_DECLINED_TWICE)
        key = billing_key(provider)
        charged = charge(provider, key, "order-before", idempotency_key="charge-before")
        assert charged.status == 200
        assert charge(provider, declining, "order-declined", customer="backer-2").status == 403  # declined once
        unused_auth = provider.register_card(customer_key="backer-3")
    finally:
        running.stop()
    assert state.exists() and not state.with_name(state.name + ".tmp").exists()

    running, provider = _started(config)
    try:
        # The billing key works; the earlier payment, its order and its idempotent answer are remembered.
        assert charge(provider, key, "order-after").body["status"] == "DONE"
        assert provider.call("GET", "/v1/payments/orders/order-before").body["paymentKey"] == \
            charged.body["paymentKey"]
        again = charge(provider, key, "order-before", idempotency_key="charge-before")
        assert (again.status, again.body["paymentKey"]) == (200, charged.body["paymentKey"])
        assert charge(provider, key, "order-before").body["code"] == "DUPLICATED_ORDER_ID"
        # The twice-declined card counts its first decline across the restart: one more, then approved.
        assert charge(provider, declining, "order-declined", customer="backer-2").status == 403
        assert charge(provider, declining, "order-declined", customer="backer-2").status == 200
        issued = provider.call("POST", "/v1/billing/authorizations/issue",
                               {"authKey": unused_auth, "customerKey": "backer-3"})
        assert issued.status == 200
    finally:
        running.stop()


def test_without_a_state_file_a_restart_forgets_everything(tmp_path):
    config = Config(secret_key="test_sk_state", client_key="test_ck_state")
    running, provider = _started(config)
    try:
        key = billing_key(provider)
    finally:
        running.stop()
    running, provider = _started(config)
    try:
        assert charge(provider, key, "order-after").body["code"] == "NOT_FOUND_BILLING_KEY"
    finally:
        running.stop()
    assert list(tmp_path.iterdir()) == []
