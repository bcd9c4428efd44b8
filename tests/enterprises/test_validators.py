"""사업자등록번호 and 법인등록번호: check digits, format, normalisation and display.

The expected check digits are computed here by a separate, deliberately plain implementation of the published
algorithms, so a mistake in enterprises.validators does not also hide in the expectation.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from enterprises.models import Enterprise
from enterprises.validators import (
    business_number_check_digit,
    corporate_number_check_digit,
    format_business_number,
    format_corporate_number,
    normalize_business_number,
    normalize_corporate_number,
    validate_business_number,
    validate_corporate_number,
)


def expected_business_check_digit(first_nine: str) -> int:
    """사업자등록번호: weights 1,3,7,1,3,7,1,3,5, plus floor(9th digit x 5 / 10); check = (10 - sum mod 10) mod 10."""
    weights = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    total = 0
    for position in range(9):
        total += int(first_nine[position]) * weights[position]
    total += int(first_nine[8]) * 5 // 10
    return (10 - total % 10) % 10


def expected_corporate_check_digit(first_twelve: str) -> int:
    """법인등록번호: weights 1,2,1,2,... on twelve digits; check = (10 - sum mod 10) mod 10."""
    total = 0
    for position in range(12):
        weight = 1 if position % 2 == 0 else 2
        total += int(first_twelve[position]) * weight
    return (10 - total % 10) % 10


# Checked by hand against the algorithm: real published numbers (Samsung Electronics, NAVER, Kakao) and a worked
# example, 123-45-6789?: 1+6+21+4+15+42+7+24+45 = 165, + floor(9x5/10) = 4 -> 169, check (10 - 9) mod 10 = 1.
KNOWN_VALID_BUSINESS_NUMBERS = ["124-81-00998", "220-81-62517", "120-81-47521", "123-45-67891"]
# Samsung Electronics 130111-0006246; worked example 110111-123456?: 1+2+0+2+1+2+1+4+3+8+5+12 = 41 -> check 9.
KNOWN_VALID_CORPORATE_NUMBERS = ["130111-0006246", "110111-1234569"]

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


def error_code(call, value) -> str:
    with pytest.raises(ValidationError) as caught:
        call(value)
    return caught.value.code


# --- 사업자등록번호 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", KNOWN_VALID_BUSINESS_NUMBERS)
def test_known_valid_business_numbers_validate_and_normalise_to_ten_digits(number):
    assert normalize_business_number(number) == number.replace("-", "")
    validate_business_number(number)


@pytest.mark.parametrize("number", KNOWN_VALID_BUSINESS_NUMBERS)
def test_the_independent_business_algorithm_agrees_on_the_known_numbers(number):
    digits = number.replace("-", "")
    assert expected_business_check_digit(digits[:9]) == int(digits[9])


@given(nine_digits)
def test_every_nine_digit_prefix_with_its_computed_check_digit_is_a_valid_business_number(first_nine):
    check = expected_business_check_digit(first_nine)
    assert business_number_check_digit(first_nine) == check
    assert normalize_business_number(first_nine + str(check)) == first_nine + str(check)


@given(nine_digits, st.integers(min_value=1, max_value=9))
def test_every_other_last_digit_fails_the_business_checksum(first_nine, offset):
    wrong = (expected_business_check_digit(first_nine) + offset) % 10
    assert error_code(normalize_business_number, first_nine + str(wrong)) == "checksum"


@pytest.mark.parametrize("number", ["124-81-00999", "1248100990", "220-81-62510", "123-45-67890"])
def test_a_wrong_business_check_digit_is_refused_as_a_checksum_error(number):
    assert error_code(normalize_business_number, number) == "checksum"
    with pytest.raises(ValidationError):
        validate_business_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "   ",
        "---",
        "124810099",  # 9 digits
        "12481009980",  # 11 digits
        "124-81-0099",  # 9 digits with dashes
        "12A-81-00998",  # a letter
        "124-81-OO998",  # letter O for zero
        "１２４８１００９９８",  # full-width digits
        "124.81.00998",  # dots are not separators
        "124–81–00998",  # en dashes are not separators
        "+124810099",
    ],
)
def test_a_badly_formatted_business_number_is_refused_as_a_format_error(number):
    assert error_code(normalize_business_number, number) == "format"


@pytest.mark.parametrize("value", [None, 1248100998, ["1248100998"]])
def test_a_business_number_that_is_not_text_is_refused(value):
    assert error_code(normalize_business_number, value) == "invalid"


@pytest.mark.parametrize(
    "number", ["124-81-00998", "124 81 00998", " 1248100998 ", "124-81-00998\n", "124 - 81 - 00998", "1248100998"]
)
def test_dashes_and_spaces_in_a_business_number_are_removed(number):
    assert normalize_business_number(number) == "1248100998"


def test_a_business_number_is_displayed_as_three_two_five_digits():
    assert format_business_number("1248100998") == "124-81-00998"
    assert Enterprise(business_number="1248100998").business_number_display == "124-81-00998"


def test_a_business_number_of_the_wrong_length_is_displayed_as_it_is():
    assert format_business_number("12345") == "12345"


def test_the_format_message_names_the_number_in_the_active_language():
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            normalize_business_number("12345")
        assert "business registration number" in caught.value.messages[0]
    with translation.override("ko"):
        with pytest.raises(ValidationError) as caught:
            normalize_business_number("12345")
        assert "사업자등록번호" in caught.value.messages[0]
        assert "business" not in caught.value.messages[0]


# --- 법인등록번호 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", KNOWN_VALID_CORPORATE_NUMBERS)
def test_known_valid_corporate_numbers_validate_and_normalise_to_thirteen_digits(number):
    assert normalize_corporate_number(number) == number.replace("-", "")
    validate_corporate_number(number)
    digits = number.replace("-", "")
    assert expected_corporate_check_digit(digits[:12]) == int(digits[12])


@given(twelve_digits)
def test_every_twelve_digit_prefix_with_its_computed_check_digit_is_a_valid_corporate_number(first_twelve):
    check = expected_corporate_check_digit(first_twelve)
    assert corporate_number_check_digit(first_twelve) == check
    assert normalize_corporate_number(first_twelve + str(check)) == first_twelve + str(check)


@given(twelve_digits, st.integers(min_value=1, max_value=9))
def test_every_other_last_digit_fails_the_corporate_checksum(first_twelve, offset):
    wrong = (expected_corporate_check_digit(first_twelve) + offset) % 10
    assert error_code(normalize_corporate_number, first_twelve + str(wrong)) == "checksum"


@pytest.mark.parametrize("number", ["130111-0006247", "1301110006240", "110111-1234567"])
def test_a_wrong_corporate_check_digit_is_refused_as_a_checksum_error(number):
    assert error_code(normalize_corporate_number, number) == "checksum"
    with pytest.raises(ValidationError):
        validate_corporate_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "130111-000624",  # 12 digits
        "130111-00062460",  # 14 digits
        "1248100998",  # a business number is not a corporate number
        "13011A-0006246",
        "１３０１１１０００６２４６",  # full-width digits
        "130111/0006246",
    ],
)
def test_a_badly_formatted_corporate_number_is_refused_as_a_format_error(number):
    assert error_code(normalize_corporate_number, number) == "format"


@pytest.mark.parametrize("value", [None, 1301110006246])
def test_a_corporate_number_that_is_not_text_is_refused(value):
    assert error_code(normalize_corporate_number, value) == "invalid"


@pytest.mark.parametrize("number", ["130111-0006246", "130111 0006246", " 1301110006246\t"])
def test_dashes_and_spaces_in_a_corporate_number_are_removed(number):
    assert normalize_corporate_number(number) == "1301110006246"


def test_a_corporate_number_is_displayed_as_six_dash_seven_digits():
    assert format_corporate_number("1301110006246") == "130111-0006246"
    assert Enterprise(corporate_number="1301110006246").corporate_number_display == "130111-0006246"
    assert Enterprise(corporate_number="").corporate_number_display == ""
