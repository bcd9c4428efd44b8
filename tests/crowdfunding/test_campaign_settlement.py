"""Settling a campaign (캠페인 정산): figures worked by hand, the book after it, and its refusals.

The fee settings are fixed here: platform 5 %, payment 2.5 %, each rounded down to the won (or to 10 won where a test
says so), on what the campaign collected (charged - refunded).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from core.errors import InvalidState
from core.models import AuditEvent
from crowdfunding import accounts as chart
from crowdfunding.models import Campaign, CampaignSettlement, Match, Pledge
from crowdfunding.services.campaign_settlement import campaign_settle
from ledger.models import Journal
from ledger.selectors import ledger_check
from tests.crowdfunding.campaign_factories import CampaignFactory, campaign, pool

from .settlement_world import (
    SETTLE_ON,
    balance,
    cancelled,
    charged,
    close,
    declined,
    matched,
    pledge,
    refunded,
    returned,
)

pytestmark = [pytest.mark.django_db,
              pytest.mark.usefixtures("fees")]


@pytest.fixture
def fees():
    with override_settings(CROWDFUNDING_PLATFORM_FEE_RATE=Decimal("0.05"),
                           CROWDFUNDING_PAYMENT_FEE_RATE=Decimal("0.025"), CROWDFUNDING_FEE_UNIT=1):
        yield


def figures(settlement: CampaignSettlement) -> dict[str, int]:
    return {name: int(getattr(settlement, name).amount) for name in (
        "pledged", "charged", "failed", "refunded", "platform_fee", "payment_fee", "matched", "top_up", "quadratic",
        "net_payout")}


def aon_success_world():
    """Target 1,000,000. Pledges: A 600,001 and B 300,000 charged; C 100,000 charged, then refunded by the provider
    after the deadline; D 50,000 declined four times (cancelled, its 30,000 match returned); E 20,000 cancelled by
    its backer before the deadline. Matches held: 100,000 on A, 50,000 on B."""
    made = CampaignFactory(target=1_000_000)
    matching = pool(made.contest, funders=(1_000_000,))
    a = charged(made, 600_001)
    b = charged(made, 300_000)
    refunded(made, 100_000)
    d = declined(made, 50_000)
    cancelled(made, 20_000)
    matched(matching, made, 100_000, of=a)
    matched(matching, made, 50_000, of=b)
    returned(matched(matching, made, 30_000, of=d), on=SETTLE_ON)
    return close(made, Campaign.State.SUCCEEDED), matching


def test_an_all_or_nothing_success_with_a_refund_and_a_declined_pledge_settles_to_the_figures_worked_by_hand():
    made, matching = aon_success_world()
    settlement = campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    # pledged at the deadline: A + B + C + D = 600,001 + 300,000 + 100,000 + 50,000 = 1,050,001 (E left before)
    # charged: A + B + C = 1,000,001; refunded: C = 100,000; failed: D = 50,000
    # collected: 1,000,001 - 100,000 = 900,001
    # platform fee: floor(900,001 x 0.05 = 45,000.05) = 45,000; payment fee: floor(900,001 x 0.025 = 22,500.025)
    # = 22,500; matched: 100,000 + 50,000 = 150,000 (D's 30,000 went back)
    # net: 900,001 - 45,000 - 22,500 + 150,000 = 982,501
    assert figures(settlement) == {
        "pledged": 1_050_001, "charged": 1_000_001, "failed": 50_000, "refunded": 100_000, "platform_fee": 45_000,
        "payment_fee": 22_500, "matched": 150_000, "top_up": 0, "quadratic": 0, "net_payout": 982_501}
    assert settlement.succeeded and settlement.settled_on == SETTLE_ON and settlement.paid_out_on is None
    made.refresh_from_db()
    assert made.state == Campaign.State.SETTLED
    assert set(Match.objects.filter(campaign=made).values_list("state", flat=True)) == {"paid", "returned"}
    # The book: the campaign's pledges and matches are emptied into its payable, the fees and the outgoing money.
    assert balance(made, chart.campaign_pledges_code(made.pk)) == 0
    assert balance(made, chart.campaign_matched_code(made.pk)) == 0
    assert balance(made, chart.campaign_payable_code(made.pk)) == 982_501
    assert balance(made, chart.PLATFORM_FEES) == 45_000
    assert balance(made, chart.PROVIDER_RECEIVABLE) == 1_000_001 - 100_000 - 22_500  # the provider kept its fee
    assert balance(made, chart.POOLS_OUTGOING) == 150_000
    assert matching.funders.get().account.balance.amount == 1_000_000 - 150_000
    assert ledger_check().ok


def test_settling_again_changes_nothing():
    made, _matching = aon_success_world()
    first = campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    journals, events = Journal.objects.count(), AuditEvent.objects.count()
    again = campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON.replace(day=26))
    assert again.pk == first.pk and figures(again) == figures(first)
    assert (Journal.objects.count(), AuditEvent.objects.count()) == (journals, events)
    assert CampaignSettlement.objects.filter(campaign=made).count() == 1


def test_a_failed_all_or_nothing_campaign_settles_at_zero_and_a_match_it_still_holds_goes_back():
    """Target 1,000,000; 300,000 and 200,000 reserved, released at the deadline; a 40,000 match still held."""
    made = CampaignFactory(target=1_000_000)
    matching = pool(made.contest, funders=(500_000,))
    first = pledge(made, 300_000, Pledge.State.RELEASED)
    pledge(made, 200_000, Pledge.State.RELEASED)
    match = matched(matching, made, 40_000, of=first)
    close(made, Campaign.State.FAILED)
    settlement = campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    # pledged at the deadline 500,000 (both released there), nothing charged: every other figure 0
    assert figures(settlement) == {
        "pledged": 500_000, "charged": 0, "failed": 0, "refunded": 0, "platform_fee": 0, "payment_fee": 0,
        "matched": 0, "top_up": 0, "quadratic": 0, "net_payout": 0}
    assert not settlement.succeeded and settlement.journal is None
    match.refresh_from_db()
    assert match.state == Match.State.RETURNED and match.returned_journal is not None
    assert balance(made, chart.campaign_matched_code(made.pk)) == 0
    assert matching.funders.get().account.balance.amount == 500_000
    made.refresh_from_db()
    first.refresh_from_db()
    assert made.matched.amount == 0 and first.matched.amount == 0 and made.state == Campaign.State.SETTLED
    assert ledger_check().ok


def kia_world():
    """Keep it all, target 2,000,000: 700,000 and 333,333 charged at once; 100,000 charged, then refunded when its
    backer cancelled before the deadline."""
    made = CampaignFactory(target=2_000_000, mode="kia")
    charged(made, 700_000, on=made.starts_on)
    charged(made, 333_333, on=made.starts_on)
    refunded(made, 100_000, on=made.starts_on, refunded_on=made.starts_on.replace(day=25))
    return close(made, Campaign.State.SUCCEEDED)


def test_a_keep_it_all_campaign_under_its_target_is_paid_what_it_collected():
    made = kia_world()
    settlement = campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    # pledged at the deadline: 700,000 + 333,333 = 1,033,333 (the refunded one left before); charged 1,133,333;
    # refunded 100,000; collected 1,033,333; platform fee floor(51,666.65) = 51,666; payment fee
    # floor(25,833.325) = 25,833; net 1,033,333 - 51,666 - 25,833 = 955,834; under its target of 2,000,000
    assert figures(settlement) == {
        "pledged": 1_033_333, "charged": 1_133_333, "failed": 0, "refunded": 100_000, "platform_fee": 51_666,
        "payment_fee": 25_833, "matched": 0, "top_up": 0, "quadratic": 0, "net_payout": 955_834}
    assert balance(made, chart.campaign_payable_code(made.pk)) == 955_834
    assert balance(made, chart.campaign_pledges_code(made.pk)) == 0
    assert ledger_check().ok


def test_fees_round_down_to_the_unit_of_the_settings():
    made = kia_world()
    with override_settings(CROWDFUNDING_FEE_UNIT=10):
        settlement = campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    # collected 1,033,333: platform fee 51,666.65 -> 51,660; payment fee 25,833.325 -> 25,830;
    # net 1,033,333 - 51,660 - 25,830 = 955,843
    assert (settlement.platform_fee.amount, settlement.payment_fee.amount, settlement.net_payout.amount) == (
        51_660, 25_830, 955_843)


def test_pledge_matches_a_top_up_and_a_quadratic_match_are_paid_in_full_without_fees():
    """Target 1,000,000: 500,000 and 250,000 charged; a 20,000 match on the first; at the deadline 75 % reached
    (750,000 + 20,000 = 770,000), the top-up pool paid the rest, 230,000; the quadratic pool's share is 40,000."""
    made = CampaignFactory(target=1_000_000)
    matching = pool(made.contest, funders=(100_000,))
    topping = pool(made.contest, funders=(500_000,), rule="top_up", top_up_threshold_percent=70)
    quadratic = pool(made.contest, funders=(300_000,), rule="quadratic")
    first = charged(made, 500_000)
    charged(made, 250_000)
    matched(matching, made, 20_000, of=first)
    matched(topping, made, 230_000, kind=Match.Kind.TOP_UP)
    matched(quadratic, made, 40_000, kind=Match.Kind.QUADRATIC)
    close(made, Campaign.State.SUCCEEDED)
    settlement = campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    # collected 750,000: platform fee 37,500, payment fee 18,750;
    # net 750,000 - 37,500 - 18,750 + 20,000 + 230,000 + 40,000 = 983,750
    assert figures(settlement) == {
        "pledged": 750_000, "charged": 750_000, "failed": 0, "refunded": 0, "platform_fee": 37_500,
        "payment_fee": 18_750, "matched": 20_000, "top_up": 230_000, "quadratic": 40_000, "net_payout": 983_750}
    assert balance(made, chart.POOLS_OUTGOING) == 290_000
    assert balance(made, chart.campaign_matched_code(made.pk)) == 0
    assert not Match.objects.filter(campaign=made, state=Match.State.HELD).exists()
    assert ledger_check().ok


def test_a_campaign_still_live_is_refused_naming_its_state():
    made = CampaignFactory()
    with pytest.raises(InvalidState) as refused, translation.override("en"):
        campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    assert "Live" in str(refused.value) and refused.value.fields == {"state": ["is live"]}
    assert not CampaignSettlement.objects.exists()


def test_a_campaign_with_a_charge_still_to_come_waits():
    made = CampaignFactory(target=100_000)
    charged(made, 100_000)
    pledge(made, 5_000, Pledge.State.RETRYING, charge_attempts=2)
    close(made, Campaign.State.SUCCEEDED)
    with pytest.raises(InvalidState) as refused, translation.override("en"):
        campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    assert "1 pledge(s)" in str(refused.value) and "pledges" in refused.value.fields
    made.refresh_from_db()
    assert made.state == Campaign.State.SUCCEEDED and Journal.objects.filter(kind="campaign.settle").count() == 0


def test_a_campaign_waits_for_its_quadratic_pool_to_be_shared_out():
    made = CampaignFactory(target=100_000)
    charged(made, 100_000)
    close(made, Campaign.State.SUCCEEDED)
    quadratic = pool(made.contest, funders=(300_000,), rule="quadratic")
    with pytest.raises(InvalidState) as refused, translation.override("en"):
        campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    assert "has not been shared" in str(refused.value)
    # Shared out, with nothing for this campaign (an allocation that drew no match is known by its audit event).
    other = campaign(made.contest)
    matched(quadratic, other, 1_000, kind=Match.Kind.QUADRATIC)
    assert campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON).quadratic.amount == 0


def test_a_quadratic_pool_that_gave_nothing_is_known_as_shared_out_by_its_audit_event():
    made = CampaignFactory(target=100_000)
    charged(made, 100_000)
    close(made, Campaign.State.SUCCEEDED)
    quadratic = pool(made.contest, funders=(300_000,), rule="quadratic")
    AuditEvent.objects.create(occurred_at=made.created_at, action="crowdfunding.pool.quadratic",
                              object_type="crowdfunding.matchingpool", object_id=str(quadratic.pk))
    assert campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON).net_payout.amount == 100_000 - 5_000 - 2_500


def test_a_pool_of_other_campaigns_does_not_hold_a_campaign_back():
    made = CampaignFactory(target=100_000)
    charged(made, 100_000)
    close(made, Campaign.State.SUCCEEDED)
    elsewhere = pool(made.contest, funders=(300_000,), rule="quadratic")
    elsewhere.campaigns.add(campaign(made.contest))
    assert campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON).charged.amount == 100_000
