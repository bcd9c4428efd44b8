"""The rules of a pledge (``crowdfunding.services.pledges.pledge_create``), each refusal naming its field or rule and
writing nothing (the refusals before the provider never reach it); the same key giving the same pledge back."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.utils import translation

from core.errors import EmailNotVerified, Forbidden, IdempotencyConflict, InvalidState, NotFound, ValidationFailed
from crowdfunding.models import Campaign, Pledge
from crowdfunding.services import pledge_cancel, pledge_create
from tests.factories import BackerFactory, MembershipFactory, UnverifiedBackerFactory

from .campaign_factories import CampaignFactory, RewardTierFactory
from .pledge_helpers import ON, aon_payment, pledge

pytestmark = pytest.mark.django_db
PAY = {"auth_key": "never-used", "customer_key": "never-used"}  # refused before the provider is asked


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def attempt(campaign: Campaign, backer: Any, amount: Any = 10_000, *, reward: Any = None, payment: Any = None,
            on: date = ON, key: str | None = None) -> Pledge:
    made, _new = pledge_create(campaign_id=campaign.pk, actor=backer, amount=amount, reward_id=reward,
                               payment=PAY if payment is None else payment, idempotency_key=key or uuid.uuid4().hex,
                               on_date=on)
    return made


def refusal(kind: type[Exception], *args: Any, **kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(kind) as exc:
        attempt(*args, **kwargs)
    assert not Pledge.objects.exists()
    return exc.value.fields  # type: ignore[attr-defined]


def test_only_a_backer_with_a_verified_email_pledges(judge):
    campaign = CampaignFactory()
    with pytest.raises(EmailNotVerified):
        attempt(campaign, UnverifiedBackerFactory())
    with pytest.raises(Forbidden):
        attempt(campaign, MembershipFactory().user)
    with pytest.raises(Forbidden):
        attempt(campaign, judge)


def test_a_draft_is_not_found_and_a_closed_campaign_refused_naming_its_state():
    backer = BackerFactory()
    with pytest.raises(NotFound):
        attempt(CampaignFactory(state="draft"), backer)
    assert refusal(InvalidState, CampaignFactory(state="failed", closed_on=date(2026, 6, 21)), backer) == {
        "state": ["is failed"]}


def test_only_within_the_campaigns_dates():
    campaign = CampaignFactory()
    backer = BackerFactory()
    assert list(refusal(InvalidState, campaign, backer, on=date(2026, 4, 20))) == ["starts_on"]
    assert list(refusal(InvalidState, campaign, backer, on=date(2026, 6, 21))) == ["ends_on"]


@pytest.mark.parametrize(("amount", "rule"), [("999", "at least ₩1,000"), (0, "must be greater than zero"),
                                               ("1.5", None), (-5, None)])
def test_the_amount_is_at_least_the_campaigns_smallest_pledge(amount, rule):
    fields = refusal(ValidationFailed, CampaignFactory(), BackerFactory(), amount)
    assert list(fields) == ["amount"]
    if rule == "at least ₩1,000":
        assert "1,000" in fields["amount"][0]


def test_a_reward_takes_at_least_its_price_belongs_to_the_campaign_and_not_to_a_donation():
    campaign = CampaignFactory()
    reward = RewardTierFactory(campaign=campaign, price=30_000)
    backer = BackerFactory()
    assert list(refusal(ValidationFailed, campaign, backer, 29_999, reward=reward.pk)) == ["amount"]
    elsewhere = RewardTierFactory()
    assert list(refusal(ValidationFailed, campaign, backer, 30_000, reward=elsewhere.pk)) == ["reward"]
    donation = CampaignFactory(entry__campaign_type="donation")
    assert refusal(ValidationFailed, donation, backer, 30_000, reward=reward.pk) == {
        "reward": ["must be null: a donation campaign"]}


def test_the_payment_names_the_field_it_lacks():
    assert list(refusal(ValidationFailed, CampaignFactory(), BackerFactory(), payment={"auth_key": "a"})) == [
        "payment.customer_key"]
    assert list(refusal(ValidationFailed, CampaignFactory(mode="kia"), BackerFactory(), payment=PAY)) == [
        "payment.payment_key"]


def test_a_sold_out_reward_is_refused(payment_provider):
    campaign = CampaignFactory()
    reward = RewardTierFactory(campaign=campaign, stock=1)
    pledge(payment_provider, campaign, BackerFactory(), 30_000, reward=reward)
    with pytest.raises(InvalidState) as exc:
        attempt(campaign, BackerFactory(), 30_000, reward=reward.pk)
    assert list(exc.value.fields) == ["reward"]
    assert Pledge.objects.count() == 1


def test_the_backers_cap_counts_its_live_pledges(payment_provider):
    campaign = CampaignFactory(max_per_backer=50_000)
    backer = BackerFactory()
    first = pledge(payment_provider, campaign, backer, 40_000)
    with pytest.raises(InvalidState) as exc:
        attempt(campaign, backer, 10_001)
    assert list(exc.value.fields) == ["amount"] and "10,000" in exc.value.fields["amount"][0]
    pledge_cancel(pledge_id=first.pk, actor=backer, on_date=ON)
    assert pledge(payment_provider, campaign, backer, 50_000).state == "reserved"


def test_the_same_key_gives_the_same_pledge_back_and_other_content_is_refused(payment_provider):
    campaign = CampaignFactory()
    backer = BackerFactory()
    payment = aon_payment(payment_provider, backer)
    first = attempt(campaign, backer, 20_000, payment=payment, key="k-1")
    again, made = pledge_create(campaign_id=campaign.pk, actor=backer, amount="20000", reward_id=None,
                                payment=payment, idempotency_key="k-1", on_date=ON)
    assert (again.pk, made) == (first.pk, False)
    with pytest.raises(IdempotencyConflict):
        attempt(campaign, backer, 30_000, payment=payment, key="k-1")
    campaign.refresh_from_db()
    assert (campaign.pledged.amount, campaign.backers) == (20_000, 1)


def test_another_backers_pledge_is_not_found_for_cancelling(payment_provider):
    campaign = CampaignFactory()
    made = pledge(payment_provider, campaign, BackerFactory(), 10_000)
    with pytest.raises(NotFound):
        pledge_cancel(pledge_id=made.pk, actor=BackerFactory(), on_date=ON)


def test_after_the_deadline_a_pledge_is_not_cancelled(payment_provider):
    campaign = CampaignFactory()
    backer = BackerFactory()
    made = pledge(payment_provider, campaign, backer, 10_000)
    with pytest.raises(InvalidState) as exc:
        pledge_cancel(pledge_id=made.pk, actor=backer, on_date=date(2026, 6, 21))
    assert list(exc.value.fields) == ["state"]
