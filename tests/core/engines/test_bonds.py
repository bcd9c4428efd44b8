"""``core.engines.bonds``: social impact bonds' arithmetic (사회성과보상사업), with no database and no clock.

Every expected figure is worked out by hand in the comments from the rules (achievement tables stepwise and linear,
the cap, below the lowest threshold; rate cards; the payment due within the budget cap; pro-rata calls and
distributions with the leftover to the named investor; the senior/junior waterfall; money multiples; XIRR, checked
against Excel's documented example and closed forms), not read from the engine. The properties are in
``test_bonds_properties.py``.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest

from core.engines.bonds import (
    BELOW_LINEAR,
    CLASS_ORDER,
    JUNIOR,
    LINEAR,
    SENIOR,
    STEPWISE,
    AchievementTable,
    ClassShare,
    Holding,
    InvalidTerms,
    Payment,
    RateCard,
    Shares,
    Step,
    achievement_rate,
    capital_call,
    distribute,
    distribute_by_class,
    money_multiple,
    payment_due,
    pro_rata,
    xirr,
    xnpv,
)
from core.engines.rounding import Rounding

D = Decimal
EOK = 100_000_000  # 1억 원

# Gyeonggi's 해봄 (the issue): 15.5억; below 12 % falls to 0 % at 0, 12 % -> 100 % (the principal line), 20 % ->
# 114 %, linear in between, never above 114 %.
GYEONGGI_PRINCIPAL = D(1_550_000_000)
GYEONGGI = AchievementTable(steps=(Step(D(12), D(100)), Step(D(20), D(114))), mode=LINEAR, cap=D(114),
                            below=BELOW_LINEAR)


def gyeonggi(achievement: str, table: AchievementTable = GYEONGGI) -> Decimal:
    return table.pay(principal=GYEONGGI_PRINCIPAL, achievement=D(achievement)).amount


# --- achievement rate -----------------------------------------------------------------------------------------------


def test_seouls_39_of_74_is_52_70_percent():
    # 39 / 74 = 0.527027... -> 52.7027 % -> down to 0.01 %p: 52.70.
    assert achievement_rate(39, 74) == D("52.70")


def test_an_achievement_rate_is_rounded_down_never_up():
    # 2 / 3 = 66.666... % -> 66.66 (half up would say 66.67); 1 / 3 -> 33.33; 0 / 10 -> 0; 10 / 10 -> 100.
    assert achievement_rate(2, 3) == D("66.66")
    assert achievement_rate(1, 3) == D("33.33")
    assert achievement_rate(0, 10) == D("0.00")
    assert achievement_rate(10, 10) == D("100.00")


@pytest.mark.parametrize("with_outcome, engaged, message", [
    (1, 0, "engaged must be above zero"),
    (5, 4, "not be more than the number engaged"),
    (-1, 4, "whole, non-negative"),
    (D(1), 4, "whole, non-negative"),
    (True, 4, "whole, non-negative"),
])
def test_an_achievement_rate_refuses_impossible_counts(with_outcome, engaged, message):
    with pytest.raises(ValueError, match=message):
        achievement_rate(with_outcome, engaged)


# --- achievement tables: linear --------------------------------------------------------------------------------------


def test_gyeonggi_at_the_principal_line_pays_the_principal_back():
    # 12 % -> 100 % of 1,550,000,000.
    assert gyeonggi("12") == D(1_550_000_000)


def test_gyeonggi_at_the_target_pays_114_percent():
    # 20 % -> 114 %: 1,550,000,000 x 1.14 = 1,767,000,000.
    assert gyeonggi("20") == D(1_767_000_000)


def test_gyeonggi_between_thresholds_is_interpolated():
    # 16 %: 100 + (16 - 12) x (114 - 100) / (20 - 12) = 100 + 4 x 14 / 8 = 107 % -> 1,658,500,000.
    # 17 %: 100 + 5 x 14 / 8 = 108.75 % -> 1,550,000,000 x 1.0875 = 1,685,625,000.
    assert gyeonggi("16") == D(1_658_500_000)
    assert gyeonggi("17") == D(1_685_625_000)
    assert GYEONGGI.percent(D(17)) == D("108.75")


def test_gyeonggi_just_below_the_target_is_rounded_down_to_the_won():
    # 19.99 %: 100 + 7.99 x 14 / 8 = 113.9825 % -> 1,550,000,000 x 1.139825 = 1,766,728,750 (exact).
    # 11.99 %: below the line, 100 x 11.99 / 12 = 99.91666... % -> 1,550,000,000 x 11.99 / 12 = 1,548,708,333.33...
    # -> 1,548,708,333 (절사); the percent shown is 99.9166 (down to 4 places).
    assert gyeonggi("19.99") == D(1_766_728_750)
    payment = GYEONGGI.pay(principal=GYEONGGI_PRINCIPAL, achievement=D("11.99"))
    assert payment == Payment(amount=D(1_548_708_333), percent=D("99.9166"), capped=False)


def test_gyeonggi_below_the_principal_line_falls_linearly_to_zero_at_zero():
    # 6 %: 100 x 6 / 12 = 50 % -> 775,000,000; 3 % -> 25 % -> 387,500,000; 0 % -> 0.
    assert gyeonggi("6") == D(775_000_000)
    assert gyeonggi("3") == D(387_500_000)
    assert gyeonggi("0") == D(0)


def test_gyeonggi_beyond_the_target_never_pays_more_than_114_percent():
    # Beyond the highest threshold the table stays at its percent (not extrapolated): 25 %, 60 %, 100 % -> 114 %.
    for achievement in ("20.01", "25", "60", "100"):
        assert gyeonggi(achievement) == D(1_767_000_000)


def test_a_cap_below_the_table_holds_the_payment_down():
    # Cap 110 %: at 16 % the table says 107 % (under the cap); at 20 % it says 114 % -> 110 %: 1,705,000,000,
    # capped. Where the line crosses 110 %: 12 + 10 x 8 / 14 = 17.714... %; at 18 %: 100 + 6 x 14 / 8 = 110.5 -> 110.
    table = AchievementTable(steps=GYEONGGI.steps, mode=LINEAR, cap=D(110), below=BELOW_LINEAR)
    assert table.pay(principal=GYEONGGI_PRINCIPAL, achievement=D(16)) == Payment(
        amount=D(1_658_500_000), percent=D(107), capped=False)
    assert table.pay(principal=GYEONGGI_PRINCIPAL, achievement=D(20)) == Payment(
        amount=D(1_705_000_000), percent=D(110), capped=True)
    assert table.pay(principal=GYEONGGI_PRINCIPAL, achievement=D(18)).amount == D(1_705_000_000)
    assert table.ceiling == D(110)


def test_without_a_cap_the_highest_step_is_the_ceiling():
    table = AchievementTable(steps=GYEONGGI.steps, mode=LINEAR)
    assert table.ceiling == D(114)
    assert table.pay(principal=GYEONGGI_PRINCIPAL, achievement=D(50)).amount == D(1_767_000_000)


def test_below_zero_pays_nothing_under_the_lowest_threshold():
    # The same table with below="zero": 11.99 % -> 0; 12 % -> 100 %.
    table = AchievementTable(steps=GYEONGGI.steps, mode=LINEAR, cap=D(114))
    assert gyeonggi("11.99", table) == D(0)
    assert gyeonggi("12", table) == D(1_550_000_000)


def test_a_linear_table_of_three_steps_interpolates_in_each_segment():
    # (10, 50), (20, 100), (40, 120) on 1,000,000: 15 % -> 75 % -> 750,000; 30 % -> 100 + 10 x 20 / 20 = 110 %
    # -> 1,100,000; 25 % -> 100 + 5 x 20 / 20 = 105 % -> 1,050,000.
    table = AchievementTable(steps=(Step(D(10), D(50)), Step(D(20), D(100)), Step(D(40), D(120))), mode=LINEAR)
    assert [table.pay(principal=D(1_000_000), achievement=D(a)).amount for a in (15, 25, 30)] == [
        D(750_000), D(1_050_000), D(1_100_000)]


def test_a_linear_percent_with_a_repeating_fraction_is_exact_before_rounding():
    # (0, 0), (30, 100) on 1,000,000,000 at 10 %: 100 x 10 / 30 = 33.333...% -> 333,333,333.33 -> 333,333,333; at
    # 20 %: 666,666,666.66... -> 666,666,666 (down), shown 66.6666 %.
    table = AchievementTable(steps=(Step(D(0), D(0)), Step(D(30), D(100))), mode=LINEAR)
    assert table.pay(principal=D(1_000_000_000), achievement=D(10)).amount == D(333_333_333)
    assert table.pay(principal=D(1_000_000_000), achievement=D(20)) == Payment(
        amount=D(666_666_666), percent=D("66.6666"))


def test_a_named_rounding_rule_rounds_the_payment():
    # 11.99 % of Gyeonggi: exact 1,548,708,333.33...: floor 1,548,708,333, ceil 1,548,708,334, half up
    # 1,548,708,333, floor to 10 won 1,548,708,330.
    def at(rounding):
        table = AchievementTable(steps=GYEONGGI.steps, mode=LINEAR, cap=D(114), below=BELOW_LINEAR,
                                 rounding=rounding)
        return gyeonggi("11.99", table)

    assert at(Rounding(mode="ceil")) == D(1_548_708_334)
    assert at(Rounding(mode="half_up")) == D(1_548_708_333)
    assert at(Rounding(unit=10)) == D(1_548_708_330)
    # Half up at exactly half a won: 1 % of 50 won on (0, 0)-(100, 100) is 0.5 -> 1; floor 0.
    half = AchievementTable(steps=(Step(D(0), D(0)), Step(D(100), D(100))), rounding=Rounding(mode="half_up"))
    assert half.pay(principal=D(50), achievement=D(1)).amount == D(1)
    assert AchievementTable(steps=half.steps).pay(principal=D(50), achievement=D(1)).amount == D(0)


# --- achievement tables: stepwise ------------------------------------------------------------------------------------


def test_a_stepwise_table_pays_the_highest_threshold_reached():
    # Stepwise Gyeonggi: 16 % and 19.99 % -> the 12 % step (100 %); 20 % -> 114 %; 11.99 % -> below the lowest:
    # 0 (below="zero") or 100 x 11.99 / 12 % (below="linear": the line from (0, 0)).
    table = AchievementTable(steps=GYEONGGI.steps, mode=STEPWISE, cap=D(114))
    assert gyeonggi("16", table) == D(1_550_000_000)
    assert gyeonggi("19.99", table) == D(1_550_000_000)
    assert gyeonggi("20", table) == D(1_767_000_000)
    assert gyeonggi("11.99", table) == D(0)
    down = AchievementTable(steps=GYEONGGI.steps, mode=STEPWISE, cap=D(114), below=BELOW_LINEAR)
    assert gyeonggi("11.99", down) == D(1_548_708_333)


def test_a_stepwise_table_of_three_steps():
    # (10, 50), (20, 100), (40, 120) on 1,000,000: 9.99 -> 0; 10 -> 500,000; 39 -> 1,000,000; 40 and 90 -> 1,200,000.
    table = AchievementTable(steps=(Step(D(10), D(50)), Step(D(20), D(100)), Step(D(40), D(120))), mode=STEPWISE)
    assert [table.pay(principal=D(1_000_000), achievement=D(a)).amount for a in ("9.99", 10, 39, 40, 90)] == [
        D(0), D(500_000), D(1_000_000), D(1_200_000), D(1_200_000)]


def test_a_table_starting_at_zero_pays_its_first_percent_from_zero():
    table = AchievementTable(steps=(Step(D(0), D(10)), Step(D(50), D(100))), mode=STEPWISE, below=BELOW_LINEAR)
    assert table.pay(principal=D(1_000), achievement=D(0)).amount == D(100)


# --- the Seoul SIB #1 check ------------------------------------------------------------------------------------------


def test_seoul_sib_1_terms_reproduce_the_citys_10_3_plus_3_1_eok():
    # Illustrative terms (the real contract's are not in the issue) that reproduce what the city paid: 10.3억 of
    # service cost plus a 3.1억 incentive = 13.4억, for 39 of 74 children improved against a 42 % target.
    # - The terms' principal base is the service cost, 1,030,000,000 (of the 11.1억 the three investors put in).
    # - Cost: a stepwise table, 42 % (the target, the principal line) -> 100 %, nothing below: 39 / 74 = 52.70 %
    #   >= 42 % -> 100 % x 1,030,000,000 = 1,030,000,000.
    # - Incentive: a rate card, 38,750,000 won per child improved beyond the 31 children the target implies
    #   (42 % x 74 = 31.08, whole children: 31), at most 10: 39 - 31 = 8 -> 8 x 38,750,000 = 310,000,000.
    # - Earned 1,030,000,000 + 310,000,000 = 1,340,000,000, under the illustrative budget cap of 15억: all due.
    rate = achievement_rate(39, 74)
    assert rate == D("52.70") and rate >= 42
    cost = AchievementTable(steps=(Step(D(42), D(100)),), mode=STEPWISE).pay(principal=D(1_030_000_000),
                                                                              achievement=rate)
    assert cost == Payment(amount=D(1_030_000_000), percent=D(100))
    target_children = 42 * 74 // 100
    assert target_children == 31
    incentive = RateCard(price=D(38_750_000), max_units=D(10)).pay(units=D(39 - target_children))
    assert incentive == Payment(amount=D(310_000_000), units_paid=D(8))
    due = payment_due(earned=cost.amount + incentive.amount, already_paid=D(0), max_payment=D(15 * EOK), final=True)
    assert due.due == D(1_340_000_000) and not due.capped
    # Below the target (say 30 of 74 = 40.54 %) the city pays no cost; the 0 children beyond 31 earn no incentive.
    assert AchievementTable(steps=(Step(D(42), D(100)),), mode=STEPWISE).pay(
        principal=D(1_030_000_000), achievement=achievement_rate(30, 74)).amount == D(0)


def test_seoul_sib_1_investors_get_13_4_eok_back_pro_rata():
    # Three investors (illustrative: 5억, 3.6억, 2.5억 = 11.1억 paid in) share 1,340,000,000 by paid-in capital:
    # 1,340,000,000 x 500 / 1,110 = 603,603,603.6 -> 603,603,603; x 360 / 1,110 = 434,594,594.59 -> 434,594,594;
    # x 250 / 1,110 = 301,801,801.8 -> 301,801,801; 1,339,999,998 shared, the leftover 2 to the lead investor
    # ("lead"): 603,603,605. Multiple 1,340 / 1,110 = 1.20720... -> 1.2072.
    paid_in = [("lead", D(500_000_000)), ("second", D(360_000_000)), ("third", D(250_000_000))]
    shares = distribute(D(1_340_000_000), paid_in, leftover_to="lead")
    assert shares.shares == (("lead", D(603_603_605)), ("second", D(434_594_594)), ("third", D(301_801_801)))
    assert shares.total == D(1_340_000_000)
    assert money_multiple(D(1_340_000_000), D(1_110_000_000)) == D("1.2072")
    # The lead's own multiple: 603,603,605 / 500,000,000 = 1.20720721 -> 1.2072.
    assert money_multiple(shares["lead"], D(500_000_000)) == D("1.2072")


# --- rate cards ------------------------------------------------------------------------------------------------------


def test_a_rate_card_pays_the_price_per_unit_up_to_the_maximum():
    # 1,000,000 a unit, at most 100: 37 -> 37,000,000; 100 -> 100,000,000; 150 -> 100,000,000 (capped); 0 -> 0.
    card = RateCard(price=D(1_000_000), max_units=D(100))
    assert card.pay(units=D(37)) == Payment(amount=D(37_000_000), units_paid=D(37))
    assert card.pay(units=D(100)) == Payment(amount=D(100_000_000), units_paid=D(100), capped=False)
    assert card.pay(units=D(150)) == Payment(amount=D(100_000_000), units_paid=D(100), capped=True)
    assert card.pay(units=0) == Payment(amount=D(0), units_paid=D(0))


def test_a_rate_card_for_fractional_units_rounds_down_to_the_won():
    # 2.5 units (e.g. person-years in work) x 333,333 = 833,332.5 -> 833,332.
    assert RateCard(price=D(333_333), max_units=D(10)).pay(units=D("2.5")).amount == D(833_332)


@pytest.mark.parametrize("price, max_units", [(D(-1), D(1)), (D("1.5"), D(1)), (1.0, D(1)), (D(1), D(-1))])
def test_a_rate_card_refuses_a_negative_or_fractional_price_or_a_negative_maximum(price, max_units):
    with pytest.raises(InvalidTerms):
        RateCard(price=price, max_units=max_units)


def test_a_rate_card_refuses_negative_units():
    with pytest.raises(ValueError, match="must not be negative"):
        RateCard(price=D(1), max_units=D(1)).pay(units=D(-1))


# --- table validation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("steps, message", [
    ((), "at least one step"),
    ((Step(D(20), D(100)), Step(D(12), D(114))), "thresholds strictly increase"),
    ((Step(D(12), D(100)), Step(D(12), D(114))), "thresholds strictly increase"),
    ((Step(D(12), D(114)), Step(D(20), D(100))), "a better result never pays less"),
    ((Step(D(-1), D(100)),), "must not be negative"),
    ((Step(D(12), D(-5)),), "must not be negative"),
    ((Step(12.0, D(100)),), "must be a Decimal or an int"),
    ((Step(D("NaN"), D(100)),), "finite"),
    (((12, 100),), "must be a Step"),
])
def test_a_table_out_of_order_or_negative_is_refused(steps, message):
    with pytest.raises(InvalidTerms, match=message):
        AchievementTable(steps=steps)


def test_a_table_refuses_a_list_an_unknown_mode_a_negative_cap_or_a_bad_rounding_rule():
    steps = (Step(D(12), D(100)),)
    with pytest.raises(InvalidTerms, match="tuple"):
        AchievementTable(steps=list(steps))  # type: ignore[arg-type]
    with pytest.raises(InvalidTerms, match="mode"):
        AchievementTable(steps=steps, mode="smooth")
    with pytest.raises(InvalidTerms, match="below"):
        AchievementTable(steps=steps, below="negative")
    with pytest.raises(InvalidTerms, match="cap"):
        AchievementTable(steps=steps, cap=D(-1))
    with pytest.raises(InvalidTerms, match="rounding"):
        AchievementTable(steps=steps, rounding=Rounding(unit=1000))


def test_invalid_terms_are_value_errors_and_tables_are_frozen():
    assert issubclass(InvalidTerms, ValueError)
    with pytest.raises(FrozenInstanceError):
        GYEONGGI.cap = D(200)  # type: ignore[misc]


def test_a_table_refuses_a_negative_achievement_or_principal():
    with pytest.raises(ValueError, match="achievement rate must not be negative"):
        GYEONGGI.pay(principal=D(1), achievement=D(-1))
    with pytest.raises(ValueError, match="principal must be a whole number"):
        GYEONGGI.pay(principal=D("1.5"), achievement=D(1))


# --- the payment due -------------------------------------------------------------------------------------------------


def test_the_final_payment_is_what_was_earned_less_what_was_paid():
    # Gyeonggi at 20 %: earned 1,767,000,000; an interim payment of 829,250,000 already made: due 937,750,000.
    due = payment_due(earned=D(1_767_000_000), already_paid=D(829_250_000), max_payment=D(18 * EOK), final=True)
    assert (due.due, due.cap_left, due.capped, due.overpaid) == (D(937_750_000), D(970_750_000), False, D(0))


def test_the_budget_cap_holds_the_payment_down():
    # Earned 1,767,000,000 against a maximum outcome payment of 1,700,000,000: due 1,700,000,000, capped; after
    # 829,250,000 already paid, at most 870,750,000 more.
    due = payment_due(earned=D(1_767_000_000), already_paid=D(0), max_payment=D(1_700_000_000), final=True)
    assert (due.due, due.capped) == (D(1_700_000_000), True)
    due = payment_due(earned=D(1_767_000_000), already_paid=D(829_250_000), max_payment=D(1_700_000_000),
                      final=True)
    assert (due.due, due.cap_left, due.capped) == (D(870_750_000), D(870_750_000), True)


def test_an_interim_result_pays_its_share_when_the_terms_give_one():
    # Gyeonggi's interim result at 16 % earns 1,658,500,000; terms paying 50 % at interim: 829,250,000 due.
    # Without an interim share (0 %), nothing is due until the final evaluation.
    due = payment_due(earned=D(1_658_500_000), already_paid=D(0), max_payment=D(18 * EOK), final=False,
                      interim_percent=D(50))
    assert (due.payable, due.due) == (D(829_250_000), D(829_250_000))
    assert payment_due(earned=D(1_658_500_000), already_paid=D(0), max_payment=D(18 * EOK), final=False).due == 0


def test_an_interim_share_is_rounded_down_to_the_won():
    # 1,548,708,333 x 50 % = 774,354,166.5 -> 774,354,166.
    due = payment_due(earned=D(1_548_708_333), already_paid=D(0), max_payment=D(18 * EOK), final=False,
                      interim_percent=D(50))
    assert due.due == D(774_354_166)


def test_a_second_interim_result_pays_only_the_increase():
    # 50 % of 1,767,000,000 = 883,500,000 less 829,250,000 paid = 54,250,000; a lower second interim pays nothing.
    due = payment_due(earned=D(1_767_000_000), already_paid=D(829_250_000), max_payment=D(18 * EOK), final=False,
                      interim_percent=D(50))
    assert due.due == D(54_250_000)
    assert payment_due(earned=D(775_000_000), already_paid=D(829_250_000), max_payment=D(18 * EOK), final=False,
                       interim_percent=D(50)).due == 0


def test_a_final_result_below_what_interim_paid_is_not_clawed_back():
    # Interim paid 829,250,000; the final result at 6 % earns 775,000,000: nothing due, 54,250,000 overpaid.
    due = payment_due(earned=D(775_000_000), already_paid=D(829_250_000), max_payment=D(18 * EOK), final=True)
    assert (due.due, due.overpaid) == (D(0), D(54_250_000))


@pytest.mark.parametrize("given, message", [
    ({"already_paid": D(2)}, "more was already paid than the maximum"),
    ({"interim_percent": D(101)}, "at most 100"),
    ({"earned": D("0.5")}, "whole number"),
    ({"earned": D(-1)}, "must not be negative"),
])
def test_the_payment_due_refuses_bad_figures(given, message):
    values = {"earned": D(1), "already_paid": D(0), "max_payment": D(1), "final": True} | given
    with pytest.raises(ValueError, match=message):
        payment_due(**values)


# --- capital calls ---------------------------------------------------------------------------------------------------


def test_a_capital_call_is_shared_by_commitment_with_the_leftover_to_the_lead():
    # Commitments 5억, 3.6억, 2.5억 (11.1억); a call of 300,000,000: x 500 / 1,110 = 135,135,135.1 -> 135,135,135;
    # x 360 / 1,110 = 97,297,297.3 -> 97,297,297; x 250 / 1,110 = 67,567,567.6 -> 67,567,567; 299,999,999 shared,
    # the leftover 1 to the lead: 135,135,136.
    commitments = [("lead", D(500_000_000)), ("second", D(360_000_000)), ("third", D(250_000_000))]
    call = capital_call(D(300_000_000), commitments, leftover_to="lead")
    assert call == Shares(shares=(("lead", D(135_135_136)), ("second", D(97_297_297)), ("third", D(67_567_567))),
                          total=D(300_000_000))


def test_the_leftover_goes_to_the_named_investor_not_simply_the_first():
    # 100 of three equal commitments: 33 each, the leftover 1 to "b": 33, 34, 33.
    call = capital_call(D(100), [("a", D(100)), ("b", D(100)), ("c", D(100))], leftover_to="b")
    assert call.shares == (("a", D(33)), ("b", D(34)), ("c", D(33)))


def test_a_call_of_all_the_commitments_calls_each_in_full():
    call = capital_call(D(1_110_000_000), [("lead", D(500_000_000)), ("second", D(360_000_000)),
                                           ("third", D(250_000_000))], leftover_to="lead")
    assert call.as_dict() == {"lead": D(500_000_000), "second": D(360_000_000), "third": D(250_000_000)}


def test_a_call_in_units_of_ten_won():
    # 1,000 of three equal commitments in 10 won: 333.3 -> 330 each, 990; the leftover 10 to "c": 330, 330, 340.
    call = capital_call(D(1_000), [("a", D(1_000)), ("b", D(1_000)), ("c", D(1_000))], leftover_to="c", unit=D(10))
    assert call.shares == (("a", D(330)), ("b", D(330)), ("c", D(340)))


def test_the_leftover_skips_a_named_investor_with_nothing_committed():
    # "z" committed nothing: 100 of (1, 2) -> 33, 66, the leftover 1 to the first with a commitment, "a".
    call = capital_call(D(100), [("z", D(0)), ("a", D(100)), ("b", D(200))], leftover_to="z")
    assert call.shares == (("z", D(0)), ("a", D(34)), ("b", D(66)))


def test_a_calls_leftover_never_asks_an_investor_for_more_than_its_commitment():
    # 2 of three commitments of 1: 2 x 1 / 3 -> 0 each; the leftover 2: "c" (named) gives the 1 it committed, the
    # next 1 comes from the first in order, "a".
    call = capital_call(D(2), [("a", D(1)), ("b", D(1)), ("c", D(1))], leftover_to="c")
    assert call.shares == (("a", D(1)), ("b", D(0)), ("c", D(1)))


def test_a_call_of_nothing_calls_nothing():
    assert capital_call(D(0), [("a", D(1))], leftover_to="a").shares == (("a", D(0)),)


@pytest.mark.parametrize("amount, commitments, leftover_to, message", [
    (D(301), [("a", D(100)), ("b", D(200))], "a", "more than the investors' commitments together"),
    (D(10), [("a", D(100)), ("b", D(200))], "c", "not among the investors"),
    (D(10), [("a", D(100)), ("a", D(200))], "a", "appears twice"),
    (D("10.5"), [("a", D(100))], "a", "whole number"),
    (10.0, [("a", D(100))], "a", "must be a Decimal"),
    (D(10), [("a", D(-100))], "a", "must not be negative"),
])
def test_a_capital_call_refuses_bad_input(amount, commitments, leftover_to, message):
    with pytest.raises(ValueError, match=message):
        capital_call(amount, commitments, leftover_to=leftover_to)


def test_sharing_among_nobody_with_a_weight_is_refused_and_the_unit_is_checked():
    with pytest.raises(ValueError, match="every weight is zero"):
        pro_rata(D(10), [("a", D(0))], leftover_to="a")
    with pytest.raises(ValueError, match="1, 10 or 100"):
        pro_rata(D(10), [("a", D(1))], leftover_to="a", unit=D(1000))


# --- distributions with classes --------------------------------------------------------------------------------------

# Seniors A (600) and B (400), junior C (500); a senior return of 5 % of paid-in capital: A 30, B 20 (50 in all).
CLASSED = [Holding("A", SENIOR, D(600)), Holding("B", SENIOR, D(400)), Holding("C", JUNIOR, D(500))]


def by_class(amount, holdings=CLASSED, **terms):
    terms = {"leftover_to": "A", "senior_return_percent": D(5)} | terms
    result = distribute_by_class(D(amount), holdings, **terms)
    assert sum((share.total for share in result.shares), D(0)) == result.total == D(amount)
    return result


def totals(result):
    return {share.investor: int(share.total) for share in result.shares}


def test_the_order_is_declared_once():
    assert [claim.name for claim in CLASS_ORDER] == ["senior_principal", "senior_return", "junior_principal", "rest"]


def test_a_loss_falls_on_the_junior_class_first():
    # 700 < the seniors' 1,000: the seniors share it by principal owed, A 700 x 600 / 1,000 = 420, B 280; C nothing.
    result = by_class(700)
    assert totals(result) == {"A": 420, "B": 280, "C": 0}
    assert result.steps == (("senior_principal", D(700)), ("senior_return", D(0)), ("junior_principal", D(0)),
                            ("rest", D(0)))


def test_the_senior_return_comes_before_the_junior_principal():
    # 1,030: senior principal 1,000 (A 600, B 400), then 30 of the 50 return: A 30 x 30 / 50 = 18, B 12; C nothing.
    result = by_class(1_030)
    assert result["A"] == ClassShare("A", SENIOR, principal=D(600), senior_return=D(18))
    assert result["B"] == ClassShare("B", SENIOR, principal=D(400), senior_return=D(12))
    assert result["C"].total == 0


def test_the_junior_class_gets_what_is_left_of_its_principal():
    # 1,300: 1,000 + 50 to the seniors, 250 of C's 500: C loses half its principal.
    result = by_class(1_300)
    assert totals(result) == {"A": 630, "B": 420, "C": 250}
    assert result.step("junior_principal") == D(250)


def test_the_rest_is_shared_by_paid_in_capital():
    # 1,850: 1,550 repays everything; the rest 300 by paid-in 600 : 400 : 500: A 120, B 80, C 100.
    result = by_class(1_850)
    assert totals(result) == {"A": 750, "B": 500, "C": 600}
    assert result["C"] == ClassShare("C", JUNIOR, principal=D(500), rest=D(100))


def test_a_stated_split_of_the_rest():
    # 1,850 with 40 % of the rest to the seniors: 120 (A 72, B 48), 180 to the junior C; with 0 %, all 300 to C.
    result = by_class(1_850, senior_share_of_rest=D(40))
    assert totals(result) == {"A": 702, "B": 468, "C": 680}
    assert totals(by_class(1_850, senior_share_of_rest=D(0))) == {"A": 630, "B": 420, "C": 800}


def test_without_a_senior_return_the_junior_principal_follows_the_senior_principal():
    # 1,300, no return: 1,000 to the seniors, 300 to C.
    assert totals(by_class(1_300, senior_return_percent=D(0))) == {"A": 600, "B": 400, "C": 300}


def test_earlier_distributions_are_taken_into_account():
    # A was repaid its 600 and its 30 return; B 100 of 400 and none of its 20: 300 repays B's principal first.
    holdings = [Holding("A", SENIOR, D(600), principal_returned=D(600), return_paid=D(30)),
                Holding("B", SENIOR, D(400), principal_returned=D(100)), Holding("C", JUNIOR, D(500))]
    assert totals(by_class(300, holdings)) == {"A": 0, "B": 300, "C": 0}
    # 340: B's 300 and its 20 return, then 20 of C's principal.
    assert totals(by_class(340, holdings)) == {"A": 0, "B": 320, "C": 20}


def test_the_rounding_leftover_never_pays_anyone_more_than_it_is_owed():
    # Three seniors owed 1 each, 2 to share: 2 x 1 / 3 -> 0 each; the leftover 2: the named "C" takes the 1 it is
    # owed, the next 1 goes to the first in order, "A".
    holdings = [Holding("A", SENIOR, D(1)), Holding("B", SENIOR, D(1)), Holding("C", SENIOR, D(1))]
    assert totals(by_class(2, holdings, leftover_to="C", senior_return_percent=D(0))) == {"A": 1, "B": 0, "C": 1}


def test_a_distribution_with_classes_refuses_bad_holdings():
    with pytest.raises(ValueError, match="class must be one of"):
        by_class(1, [Holding("A", "mezzanine", D(1))])
    with pytest.raises(ValueError, match="more principal returned than it paid in"):
        by_class(1, [Holding("A", SENIOR, D(1), principal_returned=D(2))])
    with pytest.raises(ValueError, match="more return than the terms define"):
        by_class(1, [Holding("A", SENIOR, D(100), return_paid=D(6))])
    with pytest.raises(ValueError, match="not among the investors"):
        by_class(1, [Holding("B", SENIOR, D(1))])
    with pytest.raises(ValueError, match="nobody has paid in"):
        by_class(1, [Holding("A", SENIOR, D(0))])
    with pytest.raises(ValueError, match="at most 100"):
        by_class(1, senior_share_of_rest=D(101))


# --- money multiple and IRR ------------------------------------------------------------------------------------------


def test_a_money_multiple_is_rounded_down_to_four_places():
    # 2 / 3 = 0.6666... -> 0.6666; 3 / 2 = 1.5; nothing paid in -> None.
    assert money_multiple(D(2), D(3)) == D("0.6666")
    assert money_multiple(D(3), D(2)) == D("1.5000")
    assert money_multiple(D(0), D(5)) == D("0.0000")
    assert money_multiple(D(5), D(0)) is None


def test_xirr_of_excels_documented_example():
    # Excel's XIRR help: -10,000 on 2008-01-01; 2,750 on 2008-03-01; 4,250 on 2008-10-30; 3,250 on 2009-02-15;
    # 2,750 on 2009-04-01 -> 0.373362535 (37.34 %) -> 0.373363.
    flows = [(date(2008, 1, 1), D(-10_000)), (date(2008, 3, 1), D(2_750)), (date(2008, 10, 30), D(4_250)),
             (date(2009, 2, 15), D(3_250)), (date(2009, 4, 1), D(2_750))]
    assert xirr(flows) == D("0.373363")


def test_xirr_of_one_year_and_two_years_is_the_plain_rate():
    # 365 days (2019 has no 29 February): 110 / 100 - 1 = 0.1. 730 days: (1,210 / 1,000) ^ (365 / 730) - 1 = 0.1.
    # 730 days at a loss: (81 / 100) ^ (1 / 2) - 1 = -0.1.
    assert xirr([(date(2019, 1, 1), D(-100)), (date(2020, 1, 1), D(110))]) == D("0.100000")
    assert xirr([(date(2021, 1, 1), D(-1_000)), (date(2023, 1, 1), D(1_210))]) == D("0.100000")
    assert xirr([(date(2021, 1, 1), D(-100)), (date(2023, 1, 1), D(81))]) == D("-0.100000")


def test_xirr_counts_actual_days_over_365():
    # 2020 is a leap year: 366 days, 1.1 ^ (365 / 366) - 1 = 0.0997135859... -> 0.099714 (Excel gives the same).
    assert xirr([(date(2020, 1, 1), D(-100)), (date(2021, 1, 1), D(110))]) == D("0.099714")


def test_the_seoul_lead_investors_irr_over_three_years():
    # Illustrative dates: the lead paid in 500,000,000 on 2016-07-01 and received 603,603,605 on 2019-07-01, 1,095
    # days = 3 x 365: (603,603,605 / 500,000,000) ^ (1 / 3) - 1 = 1.20720721 ^ (1 / 3) - 1 = 0.064781... The closed
    # form, computed here with Decimal, and the NPV at the rate found both check it.
    flows = [(date(2016, 7, 1), D(-500_000_000)), (date(2019, 7, 1), D(603_603_605))]
    found = xirr(flows)
    closed = (D(603_603_605) / D(500_000_000)) ** (D(1) / D(3)) - 1
    assert found == closed.quantize(D("0.000001"))
    assert found == D("0.064782")
    assert abs(xnpv(found, flows)) < D(500_000_000) * D("1e-5")


def test_xirr_with_several_calls_and_distributions_makes_the_npv_zero():
    # Two calls and two distributions: the NPV just below and just above the rate found has opposite signs, and the
    # NPV at the rate found is within a millionth of the flows.
    flows = [(date(2020, 3, 2), D(-300_000_000)), (date(2020, 9, 1), D(-200_000_000)),
             (date(2022, 3, 2), D(250_000_000)), (date(2023, 3, 2), D(330_000_000))]
    found = xirr(flows)
    assert found is not None
    step = D("0.000001")
    assert xnpv(found - step, flows) > 0 > xnpv(found + step, flows)
    assert abs(xnpv(found, flows)) < D(300_000_000) * D("1e-6")


def test_xirr_has_no_answer_for_flows_of_one_sign_or_on_one_day():
    assert xirr([]) is None
    assert xirr([(date(2020, 1, 1), D(-100)), (date(2021, 1, 1), D(-10))]) is None
    assert xirr([(date(2020, 1, 1), D(100)), (date(2021, 1, 1), D(10))]) is None
    assert xirr([(date(2020, 1, 1), D(-100)), (date(2021, 1, 1), D(0))]) is None  # a total loss: no positive flow
    assert xirr([(date(2020, 1, 1), D(-100)), (date(2020, 1, 1), D(110))]) is None


def test_xirr_refuses_bad_flows():
    with pytest.raises(ValueError, match="date"):
        xirr([("2020-01-01", D(-1)), (date(2021, 1, 1), D(2))])
    with pytest.raises(ValueError, match="Decimal or int"):
        xirr([(date(2020, 1, 1), -1.0), (date(2021, 1, 1), D(2))])
    with pytest.raises(ValueError, match="whole number"):
        xirr([(date(2020, 1, 1), D("-1.5")), (date(2021, 1, 1), D(2))])
    with pytest.raises(ValueError, match="above -1"):
        xnpv(D(-1), [(date(2020, 1, 1), D(-1))])
