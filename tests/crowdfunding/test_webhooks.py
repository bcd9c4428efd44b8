"""The provider's webhooks at ``/api/v1/payments/webhook/`` with the stand-in's own events (re-signed as it signs
them): a bad signature is a 400 and writes nothing; each event is kept once (a replay changes nothing); a status
never moves a pledge backwards, whatever order the events come in; a CANCELED from the provider refunds a charged
pledge in our books; a DONE for a charge we never heard the answer of charges it."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from crowdfunding.models import Campaign, PaymentWebhook, Pledge
from crowdfunding.services import campaign_close, pledge_cancel, pledges_charge_due
from tests.factories import BackerFactory
from tests.payments import ProviderClient

from .campaign_factories import CampaignFactory
from .pledge_helpers import AFTER, ON, pledge, signed

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/webhook/"


def deliver(provider: ProviderClient, event: dict[str, Any], *, secret: str | None = None) -> Any:
    body, header = signed(event, secret or provider.webhook_secret)
    return APIClient().post(URL, data=body, content_type="application/json",
                            headers={"Standin-Signature": header})


def events_of(provider: ProviderClient, order_id: str) -> list[dict[str, Any]]:
    return [e for e in provider.events() if e["data"].get("orderId") == order_id]


def test_a_bad_signature_is_refused_and_writes_nothing(payment_provider):
    made = pledge(payment_provider, CampaignFactory(mode="kia"), BackerFactory(), 10_000)
    event = events_of(payment_provider, made.order_id)[0]

    response = deliver(payment_provider, event, secret="someone-else")
    assert response.status_code == 400
    assert "Standin-Signature" in response.json()["fields"]
    tampered = APIClient().post(URL, data=b"{}", content_type="application/json",
                                headers={"Standin-Signature": signed(event, payment_provider.webhook_secret)[1]})
    assert tampered.status_code == 400
    assert not PaymentWebhook.objects.exists()


def test_a_replayed_event_changes_nothing(payment_provider):
    made = pledge(payment_provider, CampaignFactory(mode="kia"), BackerFactory(), 10_000)
    done = events_of(payment_provider, made.order_id)[0]
    assert done["data"]["status"] == "DONE"

    first = deliver(payment_provider, done)
    second = deliver(payment_provider, done)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json() == {"event": done["eventId"], "outcome": "already"}
    assert PaymentWebhook.objects.count() == 1


def test_a_cancel_at_the_provider_refunds_the_pledge_and_a_late_done_is_stale(payment_provider):
    """Delivered in reverse: the CANCELED before the DONE that came first."""
    campaign = CampaignFactory(mode="kia")
    made = pledge(payment_provider, campaign, BackerFactory(), 30_000)
    cancelled = payment_provider.call("POST", f"/v1/payments/{made.payment_key}/cancel",
                                      {"cancelReason": "고객센터 취소"}, idempotency_key="desk-1")
    assert cancelled.status == 200
    done, cancel = sorted(events_of(payment_provider, made.order_id), key=lambda e: e["data"]["status"] != "DONE")

    assert deliver(payment_provider, cancel).json()["outcome"] == "applied"
    assert deliver(payment_provider, done).json()["outcome"] == "stale"

    made.refresh_from_db()
    campaign.refresh_from_db()
    assert made.state == "refunded"
    assert (campaign.pledged.amount, campaign.charged.amount, campaign.backers) == (0, 0, 0)


def test_the_backers_own_cancel_and_its_webhooks_in_any_order_end_refunded(payment_provider):
    backer = BackerFactory()
    made = pledge(payment_provider, CampaignFactory(mode="kia"), backer, 30_000)
    pledge_cancel(pledge_id=made.pk, actor=backer, on_date=ON)
    for event in reversed(events_of(payment_provider, made.order_id)):
        assert deliver(payment_provider, event).json()["outcome"] in ("already", "stale")
    made.refresh_from_db()
    assert made.state == "refunded"


def test_a_done_for_a_charge_whose_answer_we_missed_charges_the_pledge(payment_provider):
    campaign = CampaignFactory(target=10_000)
    made = pledge(payment_provider, campaign, BackerFactory(), 10_000)
    campaign_close(campaign_id=campaign.pk, on_date=AFTER)
    # The charge went through at the provider, but our side never heard (a worker died after the call).
    charged = payment_provider.call("POST", f"/v1/billing/{made.billing_key}",
                                    {"customerKey": made.customer_key, "amount": 10_000, "orderId": made.order_id,
                                     "orderName": "후원"}, idempotency_key=f"pledge:{made.pk}:charge:1")
    assert charged.status == 200
    done = next(e for e in events_of(payment_provider, made.order_id) if e["data"]["status"] == "DONE")

    assert deliver(payment_provider, done).json()["outcome"] == "applied"
    made.refresh_from_db()
    campaign.refresh_from_db()
    assert (made.state, campaign.charged.amount) == ("charged", 10_000)
    # The next charge run finds it charged: nothing is charged twice.
    assert pledges_charge_due(on_date=AFTER) == []


def test_an_event_of_no_pledge_is_recorded_as_unknown(payment_provider):
    event = {"eventId": "evt-nobody", "eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2026-05-01T10:00:00+09:00",
             "data": {"paymentKey": "pk-nobody", "orderId": "order-nobody", "status": "DONE", "totalAmount": 1000,
                      "balanceAmount": 1000}}
    assert deliver(payment_provider, event).json()["outcome"] == "unknown"
    assert Pledge.objects.count() == 0 and Campaign.objects.count() == 0
