"""Report periods: calendar months in a client's time zone."""

import re
import zoneinfo
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(period: date) -> date:
    if period.month == 12:
        return date(period.year + 1, 1, 1)
    return date(period.year, period.month + 1, 1)


def previous_month(period: date) -> date:
    if period.month == 1:
        return date(period.year - 1, 12, 1)
    return date(period.year, period.month - 1, 1)


def month_label(day: date) -> str:
    return day.strftime("%Y-%m")


def local_today(zone: zoneinfo.ZoneInfo, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zone).date()


def period_bounds(period: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """Return the aware start (inclusive) and end (exclusive) of the month."""
    start = datetime.combine(period, time.min, tzinfo=zone)
    end = datetime.combine(next_month(period), time.min, tzinfo=zone)
    return start, end


def due_period(client, now: datetime | None = None) -> date:
    """Return the month before the current month in the client's time zone."""
    return previous_month(month_start(local_today(client.zone, now)))


def parse_month(value: str) -> date:
    """Parse "YYYY-MM" (or "YYYY-MM-01") into the first day of that month."""
    match = MONTH_PATTERN.match((value or "").strip())
    month = int(match.group(2)) if match else 0
    year = int(match.group(1)) if match else 0
    # Year 1 and 9999 are excluded too: the month before or after them does not
    # exist in Python's calendar.
    if not match or not 1 <= month <= 12 or not 2 <= year <= 9998:
        raise ValidationError(
            {
                "period": ValidationError(
                    "%(value)r is not a month. Use the form YYYY-MM, e.g. 2026-01.",
                    code="invalid_month",
                    params={"value": value},
                )
            }
        )
    return date(year, month, 1)


def validate_past_period(period: date, zone: zoneinfo.ZoneInfo, now=None) -> None:
    """Reject a period that is not the first day of a month or has not ended yet."""
    if period.day != 1:
        raise ValidationError(
            {
                "period": ValidationError(
                    "%(value)s is not the first day of a month. "
                    "Use the first day, e.g. %(first)s.",
                    code="period_not_month_start",
                    params={"value": period.isoformat(), "first": month_start(period)},
                )
            }
        )
    current = month_start(local_today(zone, now))
    if period >= current:
        raise ValidationError(
            {
                "period": ValidationError(
                    "%(value)s has not ended yet in the client's time zone. "
                    "Choose a month before %(current)s.",
                    code="period_not_past",
                    params={
                        "value": period.strftime("%Y-%m"),
                        "current": current.strftime("%Y-%m"),
                    },
                )
            }
        )
