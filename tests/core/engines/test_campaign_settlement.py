"""``core.engines.campaign_settlement``: a campaign's settlement (캠페인 정산), with no database and no clock.

The figures are worked out by hand in the comments from the rules: success when pledged + matched + top-up reach the
target; fees on what was collected (charged - refunded), each rounded down to the unit; payout = collected - fees +
matched + top-up; a failed all-or-nothing campaign pays nothing and gives its match and top-up back.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.engines.campaign_settlement import Settlement, settle

D = Decimal
PLATFORM = D("0.05")  # 5 %
PAYMENT = D("0.033")  # 3.3 %


def settled(**given):
    values = {"target": D(10_000_000), "mode": "aon", "pledged": D(0), "charged": D(0), "failed": D(0),
              "refunded": D(0), "matched": D(0), "top_up": D(0), "platform_fee_rate": PLATFORM,
              "payment_fee_rate": PAYMENT, "unit": D(1)}
    values.update(given)
    return settle(**values)


def test_an_all_or_nothing_campaign_that_reaches_its_target_with_match_and_top_up():
    # Counted: 8,000,000 pledged + 1,500,000 matched + 500,000 top-up = 10,000,000 = the target: it succeeds.
    # Charged 7,800,000 (200,000 declined for good); 300,000 refunded: collected 7,500,000.
    # Platform 7,500,000 x 5 % = 375,000; payment 7,500,000 x 3.3 % = 247,500.
    # Payout 7,500,000 - 375,000 - 247,500 + 1,500,000 + 500,000 = 8,877,500.
    result = settled(pledged=D(8_000_000), charged=D(7_800_000), failed=D(200_000), refunded=D(300_000),
                     matched=D(1_500_000), top_up=D(500_000))
    assert result == Settlement(
        mode="aon", target=D(10_000_000), counted=D(10_000_000), succeeded=True, pledged=D(8_000_000),
        charged=D(7_800_000), failed=D(200_000), refunded=D(300_000), collected=D(7_500_000),
        platform_fee=D(375_000), payment_fee=D(247_500), matched=D(1_500_000), top_up=D(500_000),
        match_returned=D(0), top_up_returned=D(0), net_payout=D(8_877_500))
    assert result.pays_out


def test_fees_are_rounded_down_once_each_to_the_unit():
    # Collected 1,234,567. Platform 5 %: 61,728.35; payment 3.3 %: 40,740.711.
    # Unit 1: 61,728 and 40,740; payout 1,234,567 - 61,728 - 40,740 = 1,132,099.
    # Unit 10: 61,720 and 40,740; payout 1,234,567 - 61,720 - 40,740 = 1,132,107.
    common = {"target": D(1_000_000), "pledged": D(1_234_567), "charged": D(1_234_567)}
    in_won = settled(**common)
    assert (in_won.platform_fee, in_won.payment_fee, in_won.net_payout) == (D(61_728), D(40_740), D(1_132_099))
    in_tens = settled(**common, unit=D(10))
    assert (in_tens.platform_fee, in_tens.payment_fee, in_tens.net_payout) == (D(61_720), D(40_740), D(1_132_107))


def test_an_all_or_nothing_campaign_that_misses_its_target_pays_nothing_and_returns_its_match():
    # Counted 6,000,000 + 1,000,000 = 7,000,000 < 10,000,000: failed. Nothing charged, no fees, payout 0; the
    # 1,000,000 matched goes back to the pool.
    result = settled(pledged=D(6_000_000), matched=D(1_000_000))
    assert not result.succeeded and not result.pays_out
    assert (result.collected, result.platform_fee, result.payment_fee, result.net_payout) == (D(0),) * 4
    assert (result.matched, result.match_returned, result.top_up_returned) == (D(0), D(1_000_000), D(0))


def test_one_won_short_is_a_failure_and_its_top_up_goes_back_too():
    # 8,499,999 + 1,000,000 + 500,000 = 9,999,999 < 10,000,000.
    result = settled(pledged=D(8_499_999), matched=D(1_000_000), top_up=D(500_000))
    assert not result.succeeded and result.counted == D(9_999_999)
    assert (result.match_returned, result.top_up_returned, result.net_payout) == (D(1_000_000), D(500_000), D(0))


def test_a_keep_it_all_campaign_below_its_target_still_pays_out():
    # Counted 3,000,000 + 600,000 = 3,600,000 < 5,000,000: not reached, but keep-it-all pays out.
    # Charged 3,200,000 at once, a cancelled pledge refunded 200,000: collected 3,000,000.
    # Platform 3 % = 90,000; payment 2.75 % = 82,500. Payout 3,000,000 - 90,000 - 82,500 + 600,000 = 3,427,500.
    result = settled(mode="kia", target=D(5_000_000), pledged=D(3_000_000), charged=D(3_200_000),
                     refunded=D(200_000), matched=D(600_000), platform_fee_rate=D("0.03"),
                     payment_fee_rate=D("0.0275"))
    assert not result.succeeded and result.pays_out
    assert (result.collected, result.platform_fee, result.payment_fee) == (D(3_000_000), D(90_000), D(82_500))
    assert result.net_payout == D(3_427_500) and result.match_returned == D(0)


def test_a_fully_refunded_keep_it_all_campaign_pays_no_fee_and_gets_only_its_match():
    # Charged 100,000, refunded 100,000: collected 0, fees 0; payout = the 20,000 matched.
    result = settled(mode="kia", target=D(1_000_000), pledged=D(0), charged=D(100_000), refunded=D(100_000),
                     matched=D(20_000))
    assert (result.platform_fee, result.payment_fee, result.net_payout) == (D(0), D(0), D(20_000))


def test_a_settlement_is_frozen():
    with pytest.raises(FrozenInstanceError):
        settled().net_payout = D(1)  # type: ignore[misc]


@pytest.mark.parametrize(("given", "why"), [
    ({"mode": "flex"}, "an unknown mode"),
    ({"target": D(0)}, "a target of zero"),
    ({"pledged": D(-1)}, "a negative amount"),
    ({"pledged": D("1.5")}, "a fraction of a won"),
    ({"pledged": 1.0}, "a float"),
    ({"pledged": D(10) ** 18}, "nineteen digits"),
    ({"platform_fee_rate": D("1.1")}, "a rate above 1"),
    ({"platform_fee_rate": D("0.6"), "payment_fee_rate": D("0.5")}, "rates adding up to more than 1"),
    ({"unit": D(5)}, "a unit of 5"),
    ({"mode": "kia", "charged": D(100), "refunded": D(200)}, "more refunded than charged"),
    ({"pledged": D(10_000_000), "charged": D(9_000_000), "failed": D(2_000_000)}, "charged + failed > pledged"),
    ({"pledged": D(100), "charged": D(100)}, "a failed all-or-nothing campaign that was charged"),
])
def test_bad_settlements_are_refused(given, why):
    with pytest.raises(ValueError):
        settled(**given)


won = st.integers(min_value=0, max_value=10_000_000).map(D)
rates = st.integers(min_value=0, max_value=5000).map(lambda n: D(n).scaleb(-4))  # 0 to 50 %


@settings(max_examples=200, deadline=None)
@given(mode=st.sampled_from(["aon", "kia"]), target=st.integers(1, 10_000_000).map(D), pledged=won, charged=won,
       refunded=won, matched=won, extra=won, platform=rates, payment=rates, unit=st.sampled_from([D(1), D(10)]))
def test_every_won_is_paid_out_taken_as_a_fee_or_returned(mode, target, pledged, charged, refunded, matched, extra,
                                                          platform, payment, unit):
    refunded = min(refunded, charged)
    if mode == "aon":
        charged = min(charged, pledged)
        refunded = min(refunded, charged)
        if pledged + matched + extra < target:
            charged = refunded = D(0)
    result = settled(mode=mode, target=target, pledged=pledged, charged=charged, refunded=refunded,
                     matched=matched, top_up=extra, platform_fee_rate=platform, payment_fee_rate=payment, unit=unit)
    assert result.net_payout >= 0
    assert result.platform_fee % unit == 0 and result.payment_fee % unit == 0
    assert result.platform_fee <= result.collected * platform < result.platform_fee + unit
    assert result.payment_fee <= result.collected * payment < result.payment_fee + unit
    # Conservation: what came in (collected from backers, matched and top-up from the pools) leaves as the payout,
    # the fees and the returns to the pools.
    assert (result.net_payout + result.platform_fee + result.payment_fee + result.match_returned
            + result.top_up_returned) == result.collected + matched + extra
    assert result.succeeded == (pledged + matched + extra >= target)
