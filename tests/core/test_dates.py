"""``core.dates``: the windows of the dates people type, checked as plain functions of the date and ``today``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.dates import Limit, check_money_date, check_period
from core.errors import ValidationFailed

TODAY = date(2026, 12, 6)


@pytest.fixture(autouse=True)
def _english_and_ninety_days(settings) -> Iterator[None]:
    settings.BACKDATE_DAYS = 90
    with translation.override("en"):
        yield


def refusal(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        call()
    return refused.value.fields


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (TODAY + timedelta(days=1), "must be on or before 2026-12-06 (today)"),
        (date(9999, 12, 31), "must be on or before 2026-12-06 (today)"),
        (TODAY - timedelta(days=91), "must be on or after 2026-09-07 (the back-dating window of 90 days)"),
        (date(1, 1, 1), "must be on or after 2026-09-07 (the back-dating window of 90 days)"),
        (date(1900, 1, 1), "must be on or after 2026-09-07 (the back-dating window of 90 days)"),
    ],
)
def test_a_money_date_in_the_future_or_before_the_back_dating_window_is_refused_naming_the_field(value, message):
    assert refusal(lambda: check_money_date(value, field="disbursed_on", today=TODAY)) == {"disbursed_on": [message]}


@pytest.mark.parametrize("value", [TODAY, TODAY - timedelta(days=90), TODAY - timedelta(days=1)])
def test_a_money_date_from_the_window_to_today_is_taken(value):
    assert check_money_date(value, field="received_on", today=TODAY) == value


def test_the_tightest_limit_is_named_when_several_are_broken():
    opened = Limit(date(2026, 11, 1), "the day the fund was opened")

    fields = refusal(lambda: check_money_date(date(2026, 1, 1), field="received_on", today=TODAY,
                                              not_before=[opened]))

    assert fields == {"received_on": ["must be on or after 2026-11-01 (the day the fund was opened)"]}
    assert check_money_date(date(2026, 11, 1), field="received_on", today=TODAY, not_before=[opened])


def test_the_window_follows_the_setting(settings):
    settings.BACKDATE_DAYS = 7
    assert refusal(lambda: check_money_date(TODAY - timedelta(days=8), field="value_date", today=TODAY)) == {
        "value_date": ["must be on or after 2026-11-29 (the back-dating window of 7 days)"]}


@pytest.mark.parametrize(
    ("start", "end", "fields"),
    [
        (date(1999, 12, 31), date(2000, 1, 31), {"period_start": [
            "must be on or after 2000-01-01 (the earliest date this system records)"]}),
        (date(2026, 3, 1), date(2026, 2, 1), {"period_end": ["must be on or after 2026-03-01 (period_start)"]}),
        (date(2026, 3, 1), TODAY + timedelta(days=1), {"period_end": ["must be on or before 2026-12-06 (today)"]}),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=2), {"period_start": [
            "must be on or before 2026-12-06 (today)"]}),
        (date(2016, 1, 1), date(2026, 1, 31), {"period_start": [
            "must be on or after 2016-02-03 (at most 3650 days before period_end)"]}),
    ],
)
def test_a_period_out_of_order_out_of_range_or_too_long_is_refused_naming_the_field(start, end, fields):
    assert refusal(lambda: check_period(start, end, today=TODAY, start_field="period_start", end_field="period_end",
                                        max_days=3650)) == fields


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.dates(), today=st.dates(min_value=date(2001, 1, 1), max_value=date(9000, 1, 1)),
       days=st.integers(0, 3650))
def test_a_money_date_is_taken_exactly_when_it_is_in_its_window(settings, value, today, days):
    settings.BACKDATE_DAYS = days
    inside = today - timedelta(days=days) <= value <= today
    try:
        check_money_date(value, field="on", today=today)
    except ValidationFailed as refused:
        assert not inside
        assert list(refused.fields) == ["on"]
    else:
        assert inside
