"""``core.money``: the one gate through which an amount becomes whole won, and the named rounding rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from djmoney.money import Money
from hypothesis import given
from hypothesis import strategies as st

from core.money import MAX_WON, MoneyError, format_won, krw, round_won, to_won

# --- to_won accepts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12_000_000, Decimal(12_000_000)),
        (Decimal("12000000"), Decimal(12_000_000)),
        (Decimal("12000000.00"), Decimal(12_000_000)),
        (Decimal("1.2E+7"), Decimal(12_000_000)),
        ("12000000", Decimal(12_000_000)),
        ("12,000,000", Decimal(12_000_000)),
        ("  12,000,000 ", Decimal(12_000_000)),
        ("12000000.000", Decimal(12_000_000)),
        (Money(12_000_000, "KRW"), Decimal(12_000_000)),
        (1, Decimal(1)),
        (MAX_WON, MAX_WON),
        (str(MAX_WON), MAX_WON),
    ],
)
def test_whole_won_is_accepted_as_int_decimal_string_or_krw_money(value, expected):
    amount = to_won(value)

    assert amount == expected
    assert isinstance(amount, Decimal)
    assert amount.as_tuple().exponent == 0  # whole won, no trailing ".00" and no exponent


def test_the_result_has_no_decimal_places_even_when_given_some():
    assert str(to_won(Decimal("5000.000"))) == "5000"
    assert str(to_won("5000.00")) == "5000"
    assert str(to_won(Decimal("5E+3"))) == "5000"


# --- to_won refuses ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (12000000.0, "floating-point"),
        (0.5, "floating-point"),
        (True, "floating-point"),
        ("1000.5", "fractions of a won"),
        (Decimal("0.01"), "fractions of a won"),
        ("1e-3", "written in digits"),
        ("NaN", "written in digits"),
        ("nan", "written in digits"),
        ("sNaN", "written in digits"),
        ("Infinity", "written in digits"),
        ("-Infinity", "written in digits"),
        (Decimal("Infinity"), "finite"),
        (-1, "negative"),
        ("-12,000", "negative"),
        (0, "greater than zero"),
        ("0", "greater than zero"),
        (MAX_WON + 1, "at most"),
        ("1" + "0" * 18, "at most"),
        (10**40, "at most"),  # wider than Decimal's 28-digit context
        ("1e30", "written in digits"),
        ("1,2,,3", "written in digits"),
        ("１２", "written in digits"),
        ("1_000", "written in digits"),
        ("9" * 100, "at most"),
        ("", "number of won"),
        ("12 000", "number of won"),
        ("12.000.000", "number of won"),
        ("₩1000", "number of won"),
        (None, "number of won"),
        ([1000], "number of won"),
        (Money(1000, "USD"), "KRW"),
    ],
)
def test_anything_but_a_positive_whole_number_of_won_is_refused_with_the_rule_named(value, rule):
    # The rules are named by their English text (the msgid); by default they are Korean.
    with translation.override("en"), pytest.raises(MoneyError, match=rule):
        to_won(value)


def test_zero_is_accepted_when_allowed():
    assert to_won(0, allow_zero=True) == 0
    assert to_won("0", allow_zero=True) == 0


def test_a_negative_amount_is_accepted_when_allowed_but_not_a_negative_fraction():
    assert to_won("-12,000", allow_negative=True) == Decimal(-12_000)
    with translation.override("en"), pytest.raises(MoneyError, match="fractions"):
        to_won("-0.5", allow_negative=True)
    with translation.override("en"), pytest.raises(MoneyError, match="at most"):
        to_won(-(MAX_WON + 1), allow_negative=True)


def test_allowing_negatives_does_not_allow_zero():
    with translation.override("en"), pytest.raises(MoneyError, match="greater than zero"):
        to_won(0, allow_negative=True)


def test_money_errors_are_value_errors():
    assert issubclass(MoneyError, ValueError)


# --- round_won -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "mode", "expected"),
    [
        ("12345.6789", 1, "floor", "12345"),
        ("12345.0001", 1, "ceil", "12346"),
        ("12345.5", 1, "half_up", "12346"),
        ("12345.4999", 1, "half_up", "12345"),
        ("12345", 1, "ceil", "12345"),
        ("12349.99", 10, "floor", "12340"),
        ("12341", 10, "ceil", "12350"),
        ("12345", 10, "half_up", "12350"),
        ("12344.99", 10, "half_up", "12340"),
        ("12340", 10, "ceil", "12340"),
        ("12399", 100, "floor", "12300"),
    ],
)
def test_rounding_to_the_unit_by_the_named_rule(amount, unit, mode, expected):
    assert round_won(Decimal(amount), unit=unit, mode=mode) == Decimal(expected)


def test_rounding_floors_by_default_절사():
    assert round_won(Decimal("8219.178")) == Decimal(8219)


def test_an_unknown_rounding_unit_is_refused():
    with pytest.raises(ValueError, match="unit"):
        round_won(Decimal(100), unit=5)


# --- helpers ---------------------------------------------------------------------------------------------------


def test_format_won_groups_thousands_and_adds_the_won_sign():
    assert format_won(Decimal(12_000_000)) == "12,000,000원"
    assert format_won(0) == "0원"
    assert format_won(-1_500) == "-1,500원"


def test_krw_makes_money_in_won_and_allows_zero_and_negatives():
    assert krw(0) == Money(0, "KRW")
    assert krw(-5) == Money(-5, "KRW")
    with pytest.raises(MoneyError):
        krw(Decimal("0.5"))


# --- properties ------------------------------------------------------------------------------------------------

whole_won = st.integers(min_value=1, max_value=int(MAX_WON))


@given(whole_won)
def test_any_whole_amount_survives_every_accepted_spelling(n):
    for spelling in (n, str(n), f"{n:,}", Decimal(n), Decimal(f"{n}.000"), Money(n, "KRW")):
        assert to_won(spelling) == n


@given(
    st.integers(min_value=-int(MAX_WON), max_value=int(MAX_WON)),
    st.integers(min_value=1, max_value=999_999),
)
def test_an_amount_with_a_fraction_of_a_won_is_always_refused(whole, millionths):
    value = Decimal(whole) + Decimal(millionths).scaleb(-6)

    for spelling in (value, str(value)):
        with translation.override("en"), pytest.raises(MoneyError, match="fractions"):
            to_won(spelling, allow_negative=True, allow_zero=True)


@given(st.one_of(st.floats(), st.decimals(), st.text(max_size=40), st.integers()))
def test_to_won_either_returns_a_positive_whole_amount_or_raises_money_error(value):
    try:
        amount = to_won(value)
    except MoneyError:
        return
    assert isinstance(amount, Decimal)
    assert 0 < amount <= MAX_WON
    assert amount == amount.to_integral_value()


@given(
    st.decimals(min_value=0, max_value=Decimal("1e15"), allow_nan=False, allow_infinity=False, places=6),
    st.sampled_from([1, 10]),
)
def test_rounding_lands_on_a_multiple_of_the_unit_within_one_unit_of_the_exact_amount(amount, unit):
    floor = round_won(amount, unit=unit, mode="floor")
    ceil = round_won(amount, unit=unit, mode="ceil")
    half_up = round_won(amount, unit=unit, mode="half_up")

    for rounded in (floor, ceil, half_up):
        assert rounded % unit == 0
    assert floor <= amount < floor + unit
    assert ceil - unit < amount <= ceil
    assert floor <= half_up <= ceil
    assert abs(half_up - amount) <= Decimal(unit) / 2
