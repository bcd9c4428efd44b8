"""``core.engines.classification``: the Korean supervisory asset classification (자산건전성 분류) of a loan by days
past due, its secured and unsecured parts classed separately. The rule table is built here as the migration
``funds/migrations/0003_asset_class_rules.py`` seeds it. No database.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.engines.classification import ALL, SECURED, UNSECURED, Rule, loan_class, split

D = Decimal

NORMAL = Rule("normal", "정상", 0, ALL, D("0.0085"), 0)
PRECAUTIONARY = Rule("precautionary", "요주의", 30, ALL, D("0.0700"), 1)
SUBSTANDARD = Rule("substandard", "고정", 90, SECURED, D("0.2000"), 2)
DOUBTFUL = Rule("doubtful", "회수의문", 90, UNSECURED, D("0.5000"), 3)
ESTIMATED_LOSS = Rule("estimated_loss", "추정손실", 365, UNSECURED, D("1.0000"), 4)
TABLE = [NORMAL, PRECAUTIONARY, SUBSTANDARD, DOUBTFUL, ESTIMATED_LOSS]


def codes(parts: list[tuple[Rule, Decimal]]) -> list[tuple[str, int]]:
    return [(rule.code, int(amount)) for rule, amount in parts]


# --- known answers: the default table -------------------------------------------------------------------------

# days past due -> (class of a secured part, class of an unsecured part)
BY_DAYS = [
    (0, "normal", "normal"),
    (1, "normal", "normal"),
    (29, "normal", "normal"),
    (30, "precautionary", "precautionary"),  # 요주의 from 30 days
    (89, "precautionary", "precautionary"),
    (90, "substandard", "doubtful"),  # from 90: secured 고정, unsecured 회수의문
    (364, "substandard", "doubtful"),
    (365, "substandard", "estimated_loss"),  # from 365: unsecured 추정손실; the secured part stays 고정
    (5_000, "substandard", "estimated_loss"),
]


@pytest.mark.parametrize(("days", "secured_class", "unsecured_class"), BY_DAYS)
def test_each_part_is_classed_by_the_default_table(days, secured_class, unsecured_class):
    assert loan_class(days, D(1_000_000), D(1_000_000), TABLE) == secured_class
    assert loan_class(days, D(1_000_000), D(0), TABLE) == unsecured_class
    assert codes(split(days, D(1_000_000), D(400_000), TABLE)) == [
        (secured_class, 400_000), (unsecured_class, 600_000)]


def test_a_partly_secured_loan_takes_the_class_of_its_worse_part():
    # 100 days: 300,000 secured -> 고정, 700,000 unsecured -> 회수의문; the loan is 회수의문.
    assert codes(split(100, D(1_000_000), D(300_000), TABLE)) == [("substandard", 300_000), ("doubtful", 700_000)]
    assert loan_class(100, D(1_000_000), D(300_000), TABLE) == "doubtful"
    # 400 days: 고정 and 추정손실
    assert codes(split(400, D(1_000_000), D(300_000), TABLE)) == [("substandard", 300_000),
                                                                  ("estimated_loss", 700_000)]
    assert loan_class(400, D(1_000_000), D(300_000), TABLE) == "estimated_loss"


def test_collateral_above_the_balance_covers_only_the_balance():
    assert codes(split(120, D(500_000), D(2_000_000), TABLE)) == [("substandard", 500_000)]
    assert loan_class(120, D(500_000), D(2_000_000), TABLE) == "substandard"


def test_negative_collateral_counts_as_none():
    assert codes(split(120, D(500_000), D(-1), TABLE)) == [("doubtful", 500_000)]


def test_an_unsecured_loan_has_only_an_unsecured_part():
    assert codes(split(10, D(750_000), D(0), TABLE)) == [("normal", 750_000)]


def test_parts_keep_fractions_of_a_won():
    parts = split(95, D("1000.50"), D("0.25"), TABLE)
    assert [(rule.code, amount) for rule, amount in parts] == [("substandard", D("0.25")), ("doubtful", D("1000.25"))]


@pytest.mark.parametrize("days", [0, 45, 200, 800])
def test_a_loan_with_nothing_outstanding_is_normal(days):
    assert split(days, D(0), D(1_000_000), TABLE) == []
    assert loan_class(days, D(0), D(0), TABLE) == "normal"
    assert loan_class(days, D(0), D(1_000_000), TABLE) == "normal"


def test_a_table_without_a_rule_from_zero_days_is_refused():
    with pytest.raises(LookupError):
        loan_class(10, D(100), D(0), [PRECAUTIONARY, DOUBTFUL])


def test_a_rule_for_all_parts_applies_to_either_part():
    table = [NORMAL, Rule("watch", "관찰", 10, ALL, D("0.01"), 1)]
    assert codes(split(10, D(100), D(40), table)) == [("watch", 40), ("watch", 60)]


def test_of_two_rules_from_the_same_day_the_more_severe_applies():
    table = [NORMAL, Rule("mild", "경", 30, ALL, D("0.05"), 1), Rule("harsh", "중", 30, ALL, D("0.10"), 2)]
    assert loan_class(30, D(100), D(0), table) == "harsh"
    assert loan_class(29, D(100), D(0), table) == "normal"


def test_a_later_threshold_beats_a_more_severe_earlier_one():
    # the rule with the highest threshold reached wins, even if an earlier-starting one is more severe
    table = [NORMAL, Rule("early_harsh", "조기", 10, ALL, D("0.5"), 5), Rule("late_mild", "후기", 20, ALL, D("0.1"), 1)]
    assert loan_class(15, D(100), D(0), table) == "early_harsh"
    assert loan_class(25, D(100), D(0), table) == "late_mild"


# --- properties ---------------------------------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=2_000)
amounts = st.integers(min_value=0, max_value=10**10).map(D)
collateral = st.integers(min_value=-(10**6), max_value=10**10).map(D)


@given(days=days, outstanding=amounts, secured=collateral)
def test_the_parts_add_up_to_what_is_outstanding_and_the_secured_part_comes_first(days, outstanding, secured):
    parts = split(days, outstanding, secured, TABLE)
    assert sum((amount for _, amount in parts), D(0)) == outstanding
    assert all(amount > 0 for _, amount in parts)
    covered = min(max(secured, D(0)), outstanding)
    expected = [(p, a) for p, a in ((SECURED, covered), (UNSECURED, outstanding - covered)) if a > 0]
    assert [amount for _, amount in parts] == [amount for _, amount in expected]
    for (rule, _), (part, _) in zip(parts, expected, strict=True):
        assert rule.part in (ALL, part)


@given(days=days, outstanding=amounts, secured=collateral)
def test_the_loan_class_is_the_most_severe_of_its_parts(days, outstanding, secured):
    parts = split(days, outstanding, secured, TABLE)
    expected = max(parts, key=lambda p: p[0].severity)[0].code if parts else "normal"
    assert loan_class(days, outstanding, secured, TABLE) == expected


@given(earlier=days, later=days, outstanding=amounts, secured=collateral)
def test_a_loan_only_gets_worse_as_it_stays_late(earlier, later, outstanding, secured):
    earlier, later = sorted((earlier, later))
    severity = {rule.code: rule.severity for rule in TABLE}
    assert severity[loan_class(earlier, outstanding, secured, TABLE)] <= severity[
        loan_class(later, outstanding, secured, TABLE)]


@given(days=days, outstanding=amounts, secured=collateral, seed=st.integers(min_value=0, max_value=10**6))
def test_the_order_of_the_table_does_not_matter(days, outstanding, secured, seed):
    shuffled = list(TABLE)
    random.Random(seed).shuffle(shuffled)
    assert split(days, outstanding, secured, shuffled) == split(days, outstanding, secured, TABLE)
