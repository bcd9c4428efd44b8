"""``core.engines.waterfall``: an amount spent on an ordered list of named claims, each paid in full before the next
gets anything. Known answers worked out by hand, the errors it refuses, and hypothesis properties checked against a
few lines of reference arithmetic. No database.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.engines.waterfall import Claim, Spent, in_order, waterfall

D = Decimal
CLAIMS = [("costs", D(100)), ("damages", D(50)), ("principal", D(30))]  # 180 owed in all


def paid(spent: Spent) -> list[tuple[object, int]]:
    return [(name, int(amount)) for name, amount in spent.paid]


# --- known answers -----------------------------------------------------------------------------------------------


def test_an_amount_short_of_the_claims_pays_them_in_order_until_it_runs_out():
    # 120: costs take their 100, damages the 20 left, principal nothing.
    spent = waterfall(D(120), CLAIMS)
    assert paid(spent) == [("costs", 100), ("damages", 20), ("principal", 0)]
    assert (spent.total, spent.left) == (120, 0)


def test_an_amount_equal_to_the_claims_pays_each_in_full_and_leaves_nothing():
    spent = waterfall(D(180), CLAIMS)
    assert paid(spent) == [("costs", 100), ("damages", 50), ("principal", 30)]
    assert (spent.total, spent.left) == (180, 0)


def test_an_amount_above_the_claims_pays_each_in_full_and_leaves_the_rest():
    spent = waterfall(D(200), CLAIMS)
    assert paid(spent) == [("costs", 100), ("damages", 50), ("principal", 30)]
    assert (spent.total, spent.left) == (180, 20)


def test_an_amount_that_exactly_covers_the_first_claims_gives_the_next_nothing():
    spent = waterfall(D(150), CLAIMS)
    assert paid(spent) == [("costs", 100), ("damages", 50), ("principal", 0)]
    assert spent.left == 0


def test_no_claims_leaves_the_whole_amount():
    spent = waterfall(D(50), [])
    assert spent.paid == ()
    assert (spent.total, spent.left) == (0, 50)


def test_a_zero_amount_pays_nothing_but_lists_every_claim():
    spent = waterfall(D(0), CLAIMS)
    assert paid(spent) == [("costs", 0), ("damages", 0), ("principal", 0)]
    assert (spent.total, spent.left) == (0, 0)


def test_a_claim_owed_nothing_is_listed_and_does_not_stop_the_next():
    spent = waterfall(D(5), [("nothing", D(0)), ("something", D(10))])
    assert paid(spent) == [("nothing", 0), ("something", 5)]


def test_the_order_decides_who_is_paid():
    # 60 on (a 100, b 50): a takes it all. Reversed, b is paid its 50 first and a gets the 10 left.
    assert paid(waterfall(D(60), [("a", D(100)), ("b", D(50))])) == [("a", 60), ("b", 0)]
    assert paid(waterfall(D(60), [("b", D(50)), ("a", D(100))])) == [("b", 50), ("a", 10)]


def test_fractions_of_a_won_are_kept_exactly():
    spent = waterfall(D("10.50"), [("a", D("0.25")), ("b", D("10"))])
    assert spent.paid == (("a", D("0.25")), ("b", D("10"))) and spent.left == D("0.25")


def test_claims_may_be_named_by_any_hashable_and_given_as_a_generator():
    spent = waterfall(D(7), ((number, D(3)) for number in (1, 2, 3)))
    assert paid(spent) == [(1, 3), (2, 3), (3, 1)]
    assert spent[3] == 1


def test_what_a_claim_was_paid_is_read_by_its_name():
    spent = waterfall(D(120), CLAIMS)
    assert (spent["costs"], spent["damages"], spent["principal"]) == (100, 20, 0)
    with pytest.raises(KeyError):
        spent["unknown"]


def test_in_order_lists_the_declared_claims_with_zero_where_nothing_is_owed():
    order = (Claim("fee", "수수료", "Fees"), Claim("interest", "이자", "Interest"),
             Claim("principal", "원금", "Principal"))
    # the mapping's own order does not matter: the declaration's does
    assert in_order(order, {"principal": D(10), "fee": D(2)}) == [("fee", 2), ("interest", 0), ("principal", 10)]
    assert in_order(order, {}) == [("fee", 0), ("interest", 0), ("principal", 0)]
    assert paid(waterfall(D(5), in_order(order, {"principal": D(10), "fee": D(2)}))) == [
        ("fee", 2), ("interest", 0), ("principal", 3)]


# --- errors ------------------------------------------------------------------------------------------------------


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError, match="amount"):
        waterfall(D(-1), CLAIMS)


def test_a_negative_claim_is_refused_even_when_nothing_is_left_for_it():
    with pytest.raises(ValueError, match="'b'"):
        waterfall(D(0), [("a", D(5)), ("b", D("-0.01"))])


def test_a_claim_named_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        waterfall(D(10), [("a", D(5)), ("b", D(1)), ("a", D(0))])


def test_in_order_refuses_a_claim_the_order_does_not_have():
    order = (Claim("fee", "수수료", "Fees"),)
    with pytest.raises(ValueError, match="tip"):
        in_order(order, {"fee": D(1), "tip": D(1)})


# --- properties --------------------------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**9, places=2)
claim_lists = st.lists(money, max_size=12).map(lambda owed: [(f"c{n}", amount) for n, amount in enumerate(owed)])


@given(amount=money, claims=claim_lists)
def test_what_is_paid_and_what_is_left_add_up_to_the_amount(amount, claims):
    spent = waterfall(amount, claims)
    assert spent.total + spent.left == amount
    assert spent.left >= 0


@given(amount=money, claims=claim_lists)
def test_no_claim_is_paid_more_than_it_is_owed_nor_less_than_nothing(amount, claims):
    spent = waterfall(amount, claims)
    assert [name for name, _ in spent.paid] == [name for name, _ in claims]
    for (_, share), (_, owed) in zip(spent.paid, claims, strict=True):
        assert 0 <= share <= owed


@given(amount=money, claims=claim_lists)
def test_a_claim_is_paid_only_once_every_earlier_claim_is_paid_in_full(amount, claims):
    spent = waterfall(amount, claims)
    for index, (_, share) in enumerate(spent.paid):
        if share > 0:
            assert all(spent.paid[earlier][1] == claims[earlier][1] for earlier in range(index))


@given(amount=money, claims=claim_lists)
def test_the_total_paid_is_the_smaller_of_the_amount_and_all_that_is_owed(amount, claims):
    spent = waterfall(amount, claims)
    owed = sum((owed for _, owed in claims), D(0))
    assert spent.total == min(amount, owed)
    assert spent.left == max(amount - owed, D(0))


@given(amount=money, claims=claim_lists)
def test_the_allocation_is_the_greedy_one(amount, claims):
    """Against a reference: each claim in turn takes what it can of what is left."""
    expected, left = [], amount
    for name, owed in claims:
        share = owed if owed <= left else left
        expected.append((name, share))
        left -= share
    assert waterfall(amount, claims) == Spent(tuple(expected), left)
