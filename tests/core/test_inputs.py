"""The kernel's shared checks of a service's input: an amount of won for a named field, a required reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import ValidationFailed
from core.inputs import require_reason
from core.money import won_input


@pytest.mark.parametrize(("value", "expected"), [
    ("12000000", Decimal(12_000_000)), ("12,000,000", Decimal(12_000_000)), (5, Decimal(5)),
    (Decimal("7.00"), Decimal(7)),
])
def test_an_amount_of_whole_won_is_read_as_a_decimal(value, expected):
    assert won_input(value, "amount") == expected


@pytest.mark.parametrize(("value", "rule"), [
    ("1000.5", "whole number of won"), (-1, "must not be negative"), (0, "greater than zero"),
    (1.0, "not a floating-point number"), ("십만", "written in digits"),
])
def test_a_bad_amount_names_its_field_and_the_rule(value, rule):
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        won_input(value, "secured_amount")
    assert list(refused.value.fields) == ["secured_amount"]
    assert rule in refused.value.fields["secured_amount"][0]
    assert refused.value.message.startswith("Bad amount for secured_amount: ")


def test_zero_is_an_amount_only_when_allowed():
    assert won_input("0", "fee", allow_zero=True) == 0
    with pytest.raises(ValidationFailed):
        won_input("-1", "fee", allow_zero=True)


def test_a_reason_is_returned_without_its_blanks():
    assert require_reason("  상환 계획 미흡 \n") == "상환 계획 미흡"


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_a_missing_or_blank_reason_is_refused_under_the_field_named(reason):
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        require_reason(reason, field="decision_reason")
    assert refused.value.fields == {"decision_reason": ["required"]}
    assert refused.value.message == "A reason is required."
    with translation.override("ko"), pytest.raises(ValidationFailed) as in_korean:
        require_reason(reason)
    assert list(in_korean.value.fields) == ["reason"]
    assert in_korean.value.message != "A reason is required."
