"""Business-time arithmetic on the cases other help desks got wrong."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.calendars import (
    ALWAYS_OPEN,
    CalendarSpec,
    NoWorkingTime,
    add_business_days,
    add_business_minutes,
    business_minutes_between,
    is_working_time,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = range(5)


def office(zone=LONDON, windows=((time(9), time(17)),), days=WEEKDAYS, **fields):
    return CalendarSpec(
        zone=zone, windows={day: tuple(windows) for day in days}, **fields
    )


def local(zone, *parts) -> datetime:
    return datetime(*parts, tzinfo=zone)


def test_add_raised_outside_hours_starts_next_morning():
    start = local(LONDON, 2026, 3, 4, 20, 0)  # Wednesday evening
    due = add_business_minutes(office(), start, 60)
    assert due == local(LONDON, 2026, 3, 5, 10, 0)


def test_add_raised_on_weekend_starts_monday():
    start = local(LONDON, 2026, 3, 7, 11, 0)  # Saturday
    due = add_business_minutes(office(), start, 120)
    assert due == local(LONDON, 2026, 3, 9, 11, 0)


def test_add_day_before_holiday_skips_holiday():
    # Monday 31 May 2027 is the spring bank holiday in England.
    calendar = office(country="GB", subdivision="ENG")
    start = local(LONDON, 2027, 5, 28, 16, 0)  # Friday before it
    due = add_business_minutes(calendar, start, 120)
    assert due == local(LONDON, 2027, 6, 1, 10, 0)


def test_twenty_four_business_hours_is_three_days():
    start = local(LONDON, 2026, 3, 2, 9, 0)  # Monday 09:00
    due = add_business_minutes(office(), start, 24 * 60)
    assert due == local(LONDON, 2026, 3, 4, 17, 0)


def test_add_across_spring_change():
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026 in London.
    start = local(LONDON, 2026, 3, 27, 16, 0)  # Friday, GMT
    due = add_business_minutes(office(), start, 120)
    assert due == local(LONDON, 2026, 3, 30, 10, 0)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_add_across_autumn_change():
    # Clocks go back at 01:00 UTC on Sunday 25 October 2026 in London.
    start = local(LONDON, 2026, 10, 23, 16, 0)  # Friday, BST
    due = add_business_minutes(office(), start, 120)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 10, 0, tzinfo=UTC)


def test_window_on_spring_change_day_is_shorter():
    calendar = office(windows=((time(0), time(8)),), days=range(7))
    day = date(2026, 3, 29)
    start = datetime.combine(day, time(0), tzinfo=LONDON)
    end = datetime.combine(day, time(8), tzinfo=LONDON)
    assert business_minutes_between(calendar, start, end) == 7 * 60


def test_window_on_autumn_change_day_is_longer():
    calendar = office(windows=((time(0), time(8)),), days=range(7))
    day = date(2026, 10, 25)
    start = datetime.combine(day, time(0), tzinfo=LONDON)
    end = datetime.combine(day, time(8), tzinfo=LONDON)
    assert business_minutes_between(calendar, start, end) == 9 * 60


def test_add_with_lunch_break():
    calendar = office(windows=((time(9), time(12)), (time(13), time(17))))
    start = local(LONDON, 2026, 3, 4, 11, 0)
    due = add_business_minutes(calendar, start, 120)
    assert due == local(LONDON, 2026, 3, 4, 14, 0)


def test_between_with_lunch_break():
    calendar = office(windows=((time(9), time(12)), (time(13), time(17))))
    start = local(LONDON, 2026, 3, 4, 8, 0)
    end = local(LONDON, 2026, 3, 4, 18, 0)
    assert business_minutes_between(calendar, start, end) == 7 * 60


def test_add_with_one_working_day():
    calendar = office(days=[2])  # Wednesdays only
    start = local(LONDON, 2026, 3, 4, 16, 0)  # Wednesday
    due = add_business_minutes(calendar, start, 120)
    assert due == local(LONDON, 2026, 3, 11, 10, 0)


def test_holiday_in_other_time_zone():
    # 3 November is Culture Day in Japan. At 15:30 UTC on 2 November it is
    # already the holiday in Tokyo, though still a working day in London.
    calendar = office(zone=TOKYO, country="JP")
    start = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
    assert not is_working_time(calendar, start)
    due = add_business_minutes(calendar, start, 60)
    assert due == local(TOKYO, 2026, 11, 4, 10, 0)


def test_closed_day_is_skipped():
    calendar = office(closed_dates=frozenset({date(2026, 3, 5)}))
    start = local(LONDON, 2026, 3, 4, 16, 0)
    due = add_business_minutes(calendar, start, 120)
    assert due == local(LONDON, 2026, 3, 6, 10, 0)


def test_always_open_at_2359():
    start = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    due = add_business_minutes(ALWAYS_OPEN, start, 2)
    assert due == datetime(2027, 1, 1, 0, 1, tzinfo=UTC)


def test_always_open_ignores_holidays():
    start = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)
    assert (
        business_minutes_between(ALWAYS_OPEN, start, start + timedelta(days=1)) == 1440
    )


def test_window_ending_at_midnight():
    calendar = office(windows=((time(20), time(0)),), days=range(7))
    start = local(LONDON, 2026, 3, 4, 23, 30)
    due = add_business_minutes(calendar, start, 60)
    assert due == local(LONDON, 2026, 3, 5, 20, 30)


def test_add_zero_returns_start():
    start = local(LONDON, 2026, 3, 7, 11, 0)
    assert add_business_minutes(office(), start, 0) == start


def test_add_negative_rejected():
    with pytest.raises(ValueError, match=r"minutes must not be negative, got -1\."):
        add_business_minutes(office(), local(LONDON, 2026, 3, 4, 9, 0), -1)


def test_empty_calendar_raises():
    with pytest.raises(NoWorkingTime):
        add_business_minutes(office(days=[]), local(LONDON, 2026, 3, 4, 9, 0), 1)


def test_business_days_counts_working_days():
    start = local(LONDON, 2026, 3, 6, 15, 0)  # Friday
    assert add_business_days(office(), start, 2) == local(LONDON, 2026, 3, 10, 17, 0)


CALENDARS = st.sampled_from(
    [
        office(),
        office(windows=((time(9), time(12)), (time(13), time(17)))),
        office(days=[2]),
        office(zone=NEW_YORK, country="US", subdivision="NY"),
        office(zone=TOKYO, country="JP"),
        office(windows=((time(0), time(8)), (time(22), time(0))), days=range(7)),
    ]
)
MOMENTS = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.just(UTC),
)
MINUTES = st.integers(min_value=1, max_value=10_000)


@settings(max_examples=150, deadline=None)
@given(CALENDARS, MOMENTS, MINUTES)
def test_add_lands_in_working_time(calendar, start, minutes):
    due = add_business_minutes(calendar, start, minutes)
    # The result is inside a window, or exactly at a window's close.
    just_before = due - timedelta(microseconds=1)
    assert is_working_time(calendar, due) or is_working_time(calendar, just_before)


@settings(max_examples=150, deadline=None)
@given(CALENDARS, MOMENTS, MINUTES, MINUTES)
def test_add_is_monotonic_in_minutes(calendar, start, first, second):
    low, high = sorted((first, second))
    assert add_business_minutes(calendar, start, low) <= add_business_minutes(
        calendar, start, high
    )


@settings(max_examples=150, deadline=None)
@given(CALENDARS, MOMENTS, st.integers(min_value=0, max_value=20_000), MINUTES)
def test_add_is_monotonic_in_start(calendar, start, gap_minutes, minutes):
    later = start + timedelta(minutes=gap_minutes)
    assert add_business_minutes(calendar, start, minutes) <= add_business_minutes(
        calendar, later, minutes
    )


@settings(max_examples=100, deadline=None)
@given(CALENDARS, MOMENTS, MINUTES)
def test_between_inverts_add(calendar, start, minutes):
    due = add_business_minutes(calendar, start, minutes)
    assert business_minutes_between(calendar, start, due) == minutes
