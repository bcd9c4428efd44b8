"""Pledges' lives with the payment provider's stand-in (no mocks): all or nothing reserved, the campaign succeeding
and the pledges charged the next day; failing and every reservation released with nothing charged at the provider;
keep it all charged at once and refunded on cancel; a declined card retried daily then cancelled after 4 attempts;
a card that succeeds on its 3rd try; a charge whose answer came too late found by its order id, never made twice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import InvalidState
from crowdfunding import accounts as chart
from crowdfunding.models import BackerTotal, Campaign, Pledge, PledgePayment
from crowdfunding.services import campaign_close, campaigns_close_due, pledge_cancel, pledge_charge, pledges_charge_due
from ledger.models import Account
from tests.factories import BackerFactory
from tests.payments import CARD_DECLINED_TWICE, CARD_INSUFFICIENT, CARD_SLOW

from .campaign_factories import CampaignFactory, RewardTierFactory
from .pledge_helpers import AFTER, ON, pledge, provider_payment

pytestmark = pytest.mark.django_db


def balance(campaign: Campaign, code: str) -> Decimal:
    return Account.objects.get(book=campaign.contest.book, code=code).balance.amount


def test_all_or_nothing_reserved_then_charged_the_day_after_success(payment_provider):
    campaign = CampaignFactory(target=10_000_000)
    reward = RewardTierFactory(campaign=campaign, price=30_000, stock=5)
    first = pledge(payment_provider, campaign, BackerFactory(), 6_000_000, reward=reward)
    second = pledge(payment_provider, campaign, BackerFactory(), 4_000_000)

    campaign.refresh_from_db()
    assert (first.state, second.state) == ("reserved", "reserved")
    assert (campaign.pledged.amount, campaign.charged.amount, campaign.backers) == (10_000_000, 0, 2)
    assert provider_payment(payment_provider, first.order_id) is None  # nothing charged yet

    closed = campaigns_close_due(on_date=AFTER)
    campaign.refresh_from_db()
    assert closed == [campaign.pk] and campaign.state == "succeeded"
    assert set(Pledge.objects.values_list("next_charge_on", flat=True)) == {AFTER}

    assert pledges_charge_due(on_date=AFTER) == [first.pk, second.pk]
    campaign.refresh_from_db()
    assert set(Pledge.objects.values_list("state", "charged_on")) == {("charged", AFTER)}
    assert campaign.charged.amount == 10_000_000
    assert provider_payment(payment_provider, first.order_id)["status"] == "DONE"
    assert balance(campaign, chart.campaign_pledges_code(campaign.pk)) == 10_000_000
    assert balance(campaign, chart.PROVIDER_RECEIVABLE) == 10_000_000
    assert pledges_charge_due(on_date=AFTER + timedelta(days=1)) == []  # charged once


def test_all_or_nothing_failure_releases_every_reservation_and_charges_nothing(payment_provider):
    campaign = CampaignFactory(target=10_000_000)
    reward = RewardTierFactory(campaign=campaign, stock=3)
    made = [pledge(payment_provider, campaign, BackerFactory(), 1_000_000, reward=reward) for _ in range(2)]

    campaign_close(campaign_id=campaign.pk, on_date=AFTER)

    campaign.refresh_from_db()
    reward.refresh_from_db()
    assert campaign.state == "failed"
    assert set(Pledge.objects.values_list("state", flat=True)) == {"released"}
    assert (campaign.pledged.amount, campaign.backers, reward.claimed) == (0, 0, 0)
    for each in made:
        assert provider_payment(payment_provider, each.order_id) is None
    deleted = {e["data"].get("billingKey") for e in payment_provider.events()
               if e["eventType"] == "BILLING_KEY_DELETED"}
    assert deleted == {each.billing_key for each in made}
    assert pledges_charge_due(on_date=AFTER) == []
    assert not PledgePayment.objects.filter(kind="charge").exists()


def test_keep_it_all_charged_at_once_and_refunded_on_cancel(payment_provider):
    campaign = CampaignFactory(mode="kia")
    backer = BackerFactory()
    made = pledge(payment_provider, campaign, backer, 50_000)

    campaign.refresh_from_db()
    assert (made.state, made.charged_on, campaign.charged.amount) == ("charged", ON, 50_000)
    assert provider_payment(payment_provider, made.order_id)["status"] == "DONE"
    assert balance(campaign, chart.campaign_pledges_code(campaign.pk)) == 50_000

    cancelled = pledge_cancel(pledge_id=made.pk, actor=backer, on_date=ON + timedelta(days=2))

    campaign.refresh_from_db()
    assert cancelled.state == "refunded"
    assert (campaign.pledged.amount, campaign.charged.amount, campaign.backers) == (0, 0, 0)
    assert provider_payment(payment_provider, made.order_id)["status"] == "CANCELED"
    assert balance(campaign, chart.campaign_pledges_code(campaign.pk)) == 0
    assert balance(campaign, chart.PROVIDER_RECEIVABLE) == 0
    assert list(PledgePayment.objects.filter(pledge=made).values_list("kind", flat=True))[-1] in ("refund", "void")
    campaign_close(campaign_id=campaign.pk, on_date=AFTER)
    campaign.refresh_from_db()
    assert campaign.state == "succeeded"  # keep it all: closed with what it has


def test_a_reservation_cancelled_before_the_deadline_deletes_its_billing_key(payment_provider):
    campaign = CampaignFactory()
    backer = BackerFactory()
    made = pledge(payment_provider, campaign, backer, 10_000)

    assert pledge_cancel(pledge_id=made.pk, actor=backer, on_date=campaign.ends_on).state == "cancelled"
    assert BackerTotal.objects.get(backer=backer).live_pledges == 0
    events = payment_provider.events()
    assert any(e["eventType"] == "BILLING_KEY_DELETED" and e["data"].get("billingKey") == made.billing_key
               for e in events)


def test_a_declined_card_is_retried_daily_then_cancelled_after_four_attempts(payment_provider):
    campaign = CampaignFactory(target=1_000_000)
    reward = RewardTierFactory(campaign=campaign, price=30_000, stock=1)
    made = pledge(payment_provider, campaign, BackerFactory(), 1_000_000, reward=reward, card=CARD_INSUFFICIENT)
    campaign_close(campaign_id=campaign.pk, on_date=AFTER)

    day = AFTER
    for attempt in (1, 2, 3):
        assert pledges_charge_due(on_date=day) == [made.pk]
        made.refresh_from_db()
        assert (made.state, made.charge_attempts, made.next_charge_on) == ("retrying", attempt,
                                                                           day + timedelta(days=1))
        assert made.failure_code == "INSUFFICIENT_BALANCE"
        assert pledges_charge_due(on_date=day) == []  # not due again the same day
        day += timedelta(days=1)
    pledges_charge_due(on_date=day)

    made.refresh_from_db()
    campaign.refresh_from_db()
    reward.refresh_from_db()
    assert (made.state, made.charge_attempts) == ("cancelled", 4)
    assert (campaign.pledged.amount, campaign.charged.amount, campaign.backers, reward.claimed) == (0, 0, 0, 0)
    assert PledgePayment.objects.filter(pledge=made, kind="decline").count() == 4
    assert pledges_charge_due(on_date=day + timedelta(days=1)) == []


def test_a_card_declined_twice_is_charged_on_its_third_try(payment_provider):
    campaign = CampaignFactory(target=1_000_000)
    made = pledge(payment_provider, campaign, BackerFactory(), 1_000_000, card=CARD_DECLINED_TWICE)
    campaign_close(campaign_id=campaign.pk, on_date=AFTER)

    for offset in range(3):
        pledges_charge_due(on_date=AFTER + timedelta(days=offset))

    made.refresh_from_db()
    assert (made.state, made.charge_attempts, made.charged_on) == ("charged", 3, AFTER + timedelta(days=2))
    assert provider_payment(payment_provider, made.order_id)["status"] == "DONE"
    campaign.refresh_from_db()
    assert campaign.charged.amount == 1_000_000


def test_a_charge_answered_too_late_is_found_by_its_order_id_and_not_made_twice(payment_provider):
    campaign = CampaignFactory(target=10_000)
    made = pledge(payment_provider, campaign, BackerFactory(), 10_000, card=CARD_SLOW)
    campaign_close(campaign_id=campaign.pk, on_date=AFTER)

    charged = pledge_charge(pledge_id=made.pk, on_date=AFTER)
    again = pledge_charge(pledge_id=made.pk, on_date=AFTER + timedelta(days=1))

    assert (charged.state, again.state) == ("charged", "charged")
    assert provider_payment(payment_provider, made.order_id)["totalAmount"] == 10_000
    assert PledgePayment.objects.filter(pledge=made, kind="charge").count() == 1


def test_closing_is_for_live_campaigns_whose_last_day_passed(payment_provider):
    campaign = CampaignFactory()
    with pytest.raises(InvalidState):
        campaign_close(campaign_id=campaign.pk, on_date=campaign.ends_on)
    assert campaigns_close_due(on_date=campaign.ends_on) == []
    assert campaign_close(campaign_id=campaign.pk, on_date=date(2026, 6, 21)).state == "failed"
    assert campaign_close(campaign_id=campaign.pk, on_date=date(2026, 6, 22)).closed_on == date(2026, 6, 21)
