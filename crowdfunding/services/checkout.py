"""Before a pledge: what the provider's payment page is asked for (결제창 주문 정보).

``pledge_checkout(*, campaign_id, actor, amount, reward_id, on_date) -> Checkout`` checks the pledge as
``pledge_create`` will (the same rules, read without locks: the backer, its verified email, the campaign live within
its dates, the amount, the reward and its stock, the backer's cap), then makes the order: a new order id, the
customer key (all or nothing) and the order's name. It writes nothing; the pledge is made by ``pledge_create`` when
the backer's browser comes back from the payment page, with an idempotency key derived from this order id
(``pledge_key``), so that the same return twice makes one pledge.

Raises Forbidden, EmailNotVerified, ValidationFailed, NotFound, InvalidState (as ``pledge_create``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from enterprises.backers import require_verified_email
from enterprises.models import User

from ..access import ACCESS
from ..models import CampaignMode
from .pledges import check_pledge_request

ORDER_PREFIX = "po"  # 주문번호: "po-" and 32 hex digits (the provider takes 6 to 64 of A-Z a-z 0-9 _ -)
# What stands in for the payment page's answer while the pledge is checked before the page (the rules for the
# answer itself are checked by pledge_create when it comes back).
_BEFORE_THE_PAGE = {"auth_key": "checkout", "customer_key": "checkout", "payment_key": "checkout",
                    "order_id": "checkout"}


@dataclass(frozen=True)
class Checkout:
    """What the payment page is asked for: ``mode`` "billing" (all or nothing: the card registered, charged at
    success) or "payment" (keep it all: charged now)."""

    campaign_id: int
    mode: str
    order_id: str
    customer_key: str  # billing only
    order_name: str
    amount: Decimal
    reward_id: int | None


def pledge_key(order_id: str) -> str:
    """The idempotency key of the pledge made for the order ``order_id``."""
    return f"checkout:{order_id}"


def pledge_checkout(*, campaign_id: int, actor: User, amount: Any, reward_id: int | None,
                    on_date: date) -> Checkout:
    """Check a pledge of ``amount`` (optionally claiming reward ``reward_id``) to the campaign as ``pledge_create``
    would now and make its order for the payment page. Writes nothing. Raises Forbidden, EmailNotVerified,
    ValidationFailed, NotFound, InvalidState."""
    ACCESS.require(actor, "pledge.create")
    require_verified_email(actor)
    checked = check_pledge_request(campaign_id, actor, amount, reward_id, _BEFORE_THE_PAGE, on_date)
    campaign = checked.campaign
    order_id = f"{ORDER_PREFIX}-{secrets.token_hex(16)}"
    billing = campaign.mode == CampaignMode.AON
    return Checkout(campaign_id=campaign.pk, mode="billing" if billing else "payment", order_id=order_id,
                    customer_key=f"backer-{actor.pk}-{order_id[-12:]}" if billing else "",
                    order_name=campaign.title[:100], amount=checked.amount, reward_id=checked.reward_id)
