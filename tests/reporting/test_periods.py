"""Parsing and checking report months."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from reporting.periods import parse_month, period_bounds, validate_past_period

LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
# 1 December 2026, 05:00 UTC: already December in London and Auckland, still
# 30 November in Los Angeles.
NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11", date(2026, 11, 1)),
        ("2026-11-01", date(2026, 11, 1)),
        (" 2025-01 ", date(2025, 1, 1)),
    ],
)
def test_parse_month_accepts(value, expected):
    assert parse_month(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "2026-13", "2026-00", "11/2026", "2026-11-15", "abc", "0000-01", "9999-12"],
)
def test_parse_month_rejects(value):
    with pytest.raises(ValidationError) as caught:
        parse_month(value)
    error = caught.value.error_dict["period"][0]
    assert error.code == "invalid_month"
    assert error.params == {"value": value}
    assert caught.value.message_dict["period"] == [
        f"{value!r} is not a month. Use the form YYYY-MM, e.g. 2026-01."
    ]


def test_past_month_accepted():
    validate_past_period(date(2026, 11, 1), LONDON, NOW)


def test_current_month_rejected():
    with pytest.raises(ValidationError) as caught:
        validate_past_period(date(2026, 12, 1), LONDON, NOW)
    assert caught.value.error_dict["period"][0].code == "period_not_past"
    assert caught.value.message_dict["period"] == [
        "2026-12 has not ended yet in the client's time zone. "
        "Choose a month before 2026-12."
    ]


def test_future_month_rejected():
    with pytest.raises(ValidationError) as caught:
        validate_past_period(date(2027, 3, 1), LONDON, NOW)
    assert caught.value.message_dict["period"] == [
        "2027-03 has not ended yet in the client's time zone. "
        "Choose a month before 2026-12."
    ]


def test_month_not_ended_in_client_zone():
    with pytest.raises(ValidationError) as caught:
        validate_past_period(date(2026, 11, 1), LOS_ANGELES, NOW)
    assert caught.value.message_dict["period"] == [
        "2026-11 has not ended yet in the client's time zone. "
        "Choose a month before 2026-11."
    ]


def test_day_other_than_first_rejected():
    with pytest.raises(ValidationError) as caught:
        validate_past_period(date(2026, 10, 15), LONDON, NOW)
    assert caught.value.error_dict["period"][0].code == "period_not_month_start"
    assert caught.value.message_dict["period"] == [
        "2026-10-15 is not the first day of a month. "
        "Use the first day, e.g. 2026-10-01."
    ]


def test_bounds_in_client_zone():
    start, end = period_bounds(date(2026, 11, 1), AUCKLAND)
    assert start == datetime(2026, 10, 31, 11, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


def test_bounds_across_year_end():
    start, end = period_bounds(date(2026, 12, 1), LONDON)
    assert start == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert end == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
