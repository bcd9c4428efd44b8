"""What the pledges' tests share: a live campaign of the standard contest (funding 2026-04-21 to 2026-06-30, the
campaign to 2026-06-20), backers, and payments from the provider's stand-in (``tests.payments``), as its checkout
gives them to a browser."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import date
from typing import Any

from crowdfunding.models import Campaign, Pledge, RewardTier
from crowdfunding.services import pledge_create
from tests.payments import CARD_OK, ProviderClient

ON = date(2026, 5, 1)  # a day of the campaign
AFTER = date(2026, 6, 21)  # the day after its last


def aon_payment(provider: ProviderClient, backer: Any, card: str = CARD_OK) -> dict[str, str]:
    """A card registered for billing on the provider's page: the auth key and the customer key."""
    customer_key = f"cust-{backer.pk}-{uuid.uuid4().hex[:8]}"
    return {"auth_key": provider.register_card(customer_key=customer_key, card=card), "customer_key": customer_key}


def kia_payment(provider: ProviderClient, amount: int, card: str = CARD_OK) -> dict[str, str]:
    """A payment of ``amount`` authorised on the provider's page, to be confirmed."""
    order_id = f"kia-{uuid.uuid4().hex}"
    return {"payment_key": provider.authorise(order_id=order_id, amount=amount, card=card), "order_id": order_id}


def pledge(provider: ProviderClient, campaign: Campaign, backer: Any, amount: int, *,
           reward: RewardTier | None = None, card: str = CARD_OK, key: str | None = None,
           on: date = ON) -> Pledge:
    payment = (aon_payment(provider, backer, card) if campaign.mode == "aon"
               else kia_payment(provider, amount, card))
    made, _new = pledge_create(campaign_id=campaign.pk, actor=backer, amount=amount,
                               reward_id=reward.pk if reward else None, payment=payment,
                               idempotency_key=key or uuid.uuid4().hex, on_date=on)
    return made


def provider_payment(provider: ProviderClient, order_id: str) -> dict[str, Any] | None:
    """The provider's payment of an order, or None when it has none."""
    reply = provider.call("GET", f"/v1/payments/orders/{order_id}")
    return reply.body if reply.status == 200 else None


def signed(event: dict[str, Any], secret: str, *, at: int | None = None) -> tuple[bytes, str]:
    """A stand-in event as the stand-in sends it: its body and its signature header."""
    body = json.dumps({key: event[key] for key in ("eventId", "eventType", "createdAt", "data")},
                      ensure_ascii=False, separators=(",", ":")).encode()
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={digest}"
