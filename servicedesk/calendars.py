"""Business calendars: working time in a local time zone, minus closed days.

Meaning of "business time", used by every SLA target measured in business
minutes: the real elapsed minutes that fall inside the calendar's working
windows, on days that are neither public holidays (the `holidays` package, for
the calendar's country and subdivision) nor extra closed days. "24 business
hours" is therefore 24 working hours of the calendar: three working days on a
calendar open 09:00-17:00, not one calendar day. Windows are read in the
calendar's IANA zone, so a window on a daylight-saving change day is as long as
the clock really runs (09:00-17:00 is always 8 hours; 00:00-08:00 on the
spring change is 7).

Functions take either a BusinessCalendar row or a CalendarSpec, so the maths
can be tested without a database.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# Days searched for working time before a calendar is declared empty. Ten years
# covers any realistic holiday season with room to spare.
MAX_SEARCH_DAYS = 3660


class NoWorkingTime(ValueError):
    """The calendar has no working window in the searched range."""


@dataclass(frozen=True)
class CalendarSpec:
    """A calendar in memory: zone, windows per weekday (0 = Monday), closed dates."""

    zone: ZoneInfo
    windows: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    closed_dates: frozenset[date] = frozenset()
    country: str = ""
    subdivision: str = ""
    always_open: bool = False

    def is_closed(self, day: date) -> bool:
        if day in self.closed_dates:
            return True
        return bool(self.country) and day in _holidays(
            self.country, self.subdivision, day.year
        )


ALWAYS_OPEN = CalendarSpec(zone=ZoneInfo("UTC"), always_open=True)


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    table = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(table.keys())


def spec_for(calendar) -> CalendarSpec:
    """Build the CalendarSpec of a BusinessCalendar row (or return a spec as is).

    Uses the prefetched windows and closed days when the caller prefetched them.
    """
    if isinstance(calendar, CalendarSpec):
        return calendar
    if calendar.always_open:
        return ALWAYS_OPEN
    client = calendar.client
    zone_name = client.time_zone if client else calendar.time_zone
    country = client.country if client else calendar.country
    subdivision = client.subdivision if client else calendar.subdivision
    windows: dict[int, list[tuple[time, time]]] = {}
    for window in calendar.windows.all():
        windows.setdefault(window.weekday, []).append((window.start, window.end))
    return CalendarSpec(
        zone=ZoneInfo(zone_name),
        windows={day: tuple(sorted(spans)) for day, spans in windows.items()},
        closed_dates=frozenset(closed.date for closed in calendar.closed_days.all()),
        country=country,
        subdivision=subdivision,
    )


def _local_moment(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """Convert a local wall-clock time to UTC.

    The conversion matters: Python subtracts two datetimes that share a tzinfo
    by wall time, which would make a window across a daylight-saving change an
    hour too long or too short.
    """
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _day_windows(spec: CalendarSpec, day: date) -> Iterator[tuple[datetime, datetime]]:
    if spec.always_open:
        next_day = day + timedelta(days=1)
        yield (
            _local_moment(day, time(0), spec.zone),
            _local_moment(next_day, time(0), spec.zone),
        )
        return
    if spec.is_closed(day):
        return
    for start, end in spec.windows.get(day.weekday(), ()):
        end_day = day + timedelta(days=1) if end == time(0) else day
        yield (
            _local_moment(day, start, spec.zone),
            _local_moment(end_day, end, spec.zone),
        )


def working_intervals(calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Yield the working intervals from `start` on, the first one clipped to it.

    Raises NoWorkingTime after MAX_SEARCH_DAYS days without working time.
    """
    spec = spec_for(calendar)
    day = start.astimezone(spec.zone).date() - timedelta(days=1)
    empty_days = 0
    while True:
        found = False
        for window_start, window_end in _day_windows(spec, day):
            found = True
            if window_end <= start:
                continue
            yield max(window_start, start), window_end
        empty_days = 0 if found else empty_days + 1
        if empty_days > MAX_SEARCH_DAYS:
            raise NoWorkingTime(
                f"The calendar has no working time in the {MAX_SEARCH_DAYS} days "
                f"after {start:%Y-%m-%d}. Add working windows to it."
            )
        day += timedelta(days=1)


def add_business_minutes(calendar, start: datetime, minutes: float) -> datetime:
    """Return the moment when `minutes` of business time have run from `start`.

    Zero minutes returns `start` unchanged. The result of a positive amount
    always lies inside a working window or at its closing edge.
    """
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}.")
    if minutes == 0:
        return start
    remaining = timedelta(minutes=minutes)
    for window_start, window_end in working_intervals(calendar, start):
        available = window_end - window_start
        if remaining <= available:
            return window_start + remaining
        remaining -= available
    raise AssertionError("unreachable: working_intervals never ends")


def business_time_between(calendar, start: datetime, end: datetime) -> timedelta:
    """Business time from `start` to `end`; zero if `end` is not later.

    Summed as timedeltas (whole microseconds), so no float error creeps in.
    """
    total = timedelta(0)
    if end <= start:
        return total
    try:
        for window_start, window_end in working_intervals(calendar, start):
            if window_start >= end:
                break
            total += min(window_end, end) - window_start
    except NoWorkingTime:
        pass
    return total


def business_seconds_between(calendar, start: datetime, end: datetime) -> float:
    return business_time_between(calendar, start, end).total_seconds()


def business_minutes_between(calendar, start: datetime, end: datetime) -> int:
    """Whole business minutes from `start` to `end` (rounded down)."""
    return business_time_between(calendar, start, end) // timedelta(minutes=1)


def is_working_time(calendar, moment: datetime) -> bool:
    spec = spec_for(calendar)
    day = moment.astimezone(spec.zone).date()
    for candidate in (day - timedelta(days=1), day):
        for window_start, window_end in _day_windows(spec, candidate):
            if window_start <= moment < window_end:
                return True
    return False


def add_business_days(calendar, start: datetime, days: int) -> datetime:
    """Return the close of the `days`-th working day after the day of `start`.

    A working day is a local date with at least one working window. Zero days
    returns `start`.
    """
    if days <= 0:
        return start
    spec = spec_for(calendar)
    day = start.astimezone(spec.zone).date()
    counted = 0
    for _ in range(MAX_SEARCH_DAYS):
        day += timedelta(days=1)
        windows = list(_day_windows(spec, day))
        if windows:
            counted += 1
            if counted == days:
                return max(end for _, end in windows)
    raise NoWorkingTime(
        f"The calendar has no working day in the {MAX_SEARCH_DAYS} days after "
        f"{start:%Y-%m-%d}. Add working windows to it."
    )


def default_windows() -> list[tuple[int, time, time]]:
    """Monday to Friday, 09:00-17:00: the calendar a new client starts with."""
    return [(weekday, time(9), time(17)) for weekday in range(5)]


def calendar_for_client(client):
    """Return the client's BusinessCalendar, creating the default one if missing."""
    from servicedesk.models import BusinessCalendar, WorkingWindow

    calendar = (
        BusinessCalendar.objects.filter(client=client)
        .select_related("client")
        .prefetch_related("windows", "closed_days")
        .first()
    )
    if calendar is not None:
        return calendar
    calendar, created = BusinessCalendar.objects.get_or_create(
        client=client, defaults={"name": f"{client.name} business hours"}
    )
    if created:
        WorkingWindow.objects.bulk_create(
            WorkingWindow(calendar=calendar, weekday=day, start=start, end=end)
            for day, start, end in default_windows()
        )
    return calendar_for_client(client)


def provider_calendar():
    """Return the analysts' calendar, inside which warnings are sent, or None."""
    from servicedesk.models import BusinessCalendar

    return (
        BusinessCalendar.objects.filter(is_provider_calendar=True)
        .select_related("client")
        .prefetch_related("windows", "closed_days")
        .first()
    )
