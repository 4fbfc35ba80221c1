"""SLA clocks: targets, running time from the status history, due times, timeline.

A ticket's clock runs while its status is open and not awaiting the customer,
and only inside working time for targets measured in business minutes (see
servicedesk.calendars for what a business minute is). Elapsed time is always
recomputed from the status history, so a change of priority, status or
calendar gives due times as if the new values had applied from the start.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from servicedesk.calendars import (
    ALWAYS_OPEN,
    add_business_minutes,
    business_time_between,
    calendar_for_client,
    spec_for,
)
from servicedesk.choices import (
    PAUSED_STATUSES,
    STOPPED_STATUSES,
    EventKind,
    Measure,
    Priority,
    Status,
    TargetKind,
)

# Minutes and measure per priority and target, used where no SlaTarget row
# overrides them. P1 runs on the clock and the rest in business minutes. So a
# P2's 1440 minutes are 24 business hours, three working days of 8 hours.
DEFAULT_TARGETS = {
    Priority.P1: {
        TargetKind.FIRST_RESPONSE: (30, Measure.CLOCK),
        TargetKind.RESOLUTION: (240, Measure.CLOCK),
    },
    Priority.P2: {
        TargetKind.FIRST_RESPONSE: (120, Measure.BUSINESS),
        TargetKind.RESOLUTION: (1440, Measure.BUSINESS),
    },
    Priority.P3: {
        TargetKind.FIRST_RESPONSE: (480, Measure.BUSINESS),
        TargetKind.RESOLUTION: (2400, Measure.BUSINESS),
    },
    Priority.P4: {
        TargetKind.FIRST_RESPONSE: (960, Measure.BUSINESS),
        TargetKind.RESOLUTION: (4800, Measure.BUSINESS),
    },
}
WARNING_THRESHOLDS = (50, 75, 90)
BREACH_THRESHOLD = 100


@dataclass(frozen=True)
class Target:
    kind: str
    minutes: int
    measure: str


@dataclass(frozen=True)
class Segment:
    """A stretch of the ticket's life in one status; `end` None means still going."""

    start: datetime
    end: datetime | None
    status: str
    reason: str

    @property
    def running(self) -> bool:
        return self.status not in PAUSED_STATUSES | STOPPED_STATUSES

    @property
    def state(self) -> str:
        if self.running:
            return "running"
        return "paused" if self.status in PAUSED_STATUSES else "stopped"


def targets_for(ticket) -> dict[str, Target]:
    """Return the ticket's targets: the client's rows, else provider-wide rows,
    else DEFAULT_TARGETS."""
    from servicedesk.models import SlaTarget

    found = {
        kind: Target(kind, minutes, measure)
        for kind, (minutes, measure) in DEFAULT_TARGETS[
            Priority(ticket.priority)
        ].items()
    }
    rows = SlaTarget.objects.filter(priority=ticket.priority).filter(
        client__in=[ticket.client_id]
    ) | SlaTarget.objects.filter(priority=ticket.priority, client__isnull=True)
    # Provider-wide rows first so that a client's own rows replace them.
    for row in sorted(rows, key=lambda row: row.client_id is not None):
        found[row.kind] = Target(row.kind, row.minutes, row.measure)
    return found


def segments(ticket, status_events=None) -> list[Segment]:
    """Split the ticket's life into segments by its status history."""
    if status_events is None:
        status_events = ticket.events.filter(kind=EventKind.STATUS).order_by("at", "pk")
    result = []
    start, status, reason = ticket.created_at, Status.NEW, ""
    for event in status_events:
        if event.at > start:
            result.append(Segment(start, event.at, status, reason))
        start, status, reason = event.at, event.new_value, event.reason
    result.append(Segment(start, None, status, reason))
    return result


class Clock:
    """One ticket's clock against one target, over the ticket's segments."""

    def __init__(self, ticket, target: Target, parts: list[Segment], calendar):
        self.ticket = ticket
        self.target = target
        self.spec = ALWAYS_OPEN if target.measure == Measure.CLOCK else calendar
        self.stop = (
            ticket.first_responded_at
            if target.kind == TargetKind.FIRST_RESPONSE
            else None
        )
        self.parts = [
            part for part in parts if self.stop is None or part.start < self.stop
        ]

    @property
    def target_seconds(self) -> float:
        return self.target.minutes * 60.0

    def _running(self, now: datetime):
        for part in self.parts:
            if not part.running:
                continue
            end = part.end or now
            if self.stop is not None:
                end = min(end, self.stop)
            yield part, end

    def elapsed(self, now: datetime) -> timedelta:
        total = timedelta(0)
        for part, end in self._running(now):
            total += business_time_between(self.spec, part.start, end)
        return total

    def elapsed_seconds(self, now: datetime) -> float:
        return self.elapsed(now).total_seconds()

    def moment_at(self, percent: float) -> datetime | None:
        """When the clock reaches `percent` of the target.

        A moment still ahead is projected from the running stretch, assuming it
        keeps running. None means the clock stopped or paused before reaching it.
        """
        goal = timedelta(minutes=self.target.minutes) * percent / 100
        used = timedelta(0)
        for part in self.parts:
            if not part.running:
                continue
            remaining = (goal - used) / timedelta(minutes=1)
            if part.end is None and self.stop is None:
                return add_business_minutes(self.spec, part.start, remaining)
            end = (
                part.end if self.stop is None else min(part.end or self.stop, self.stop)
            )
            length = business_time_between(self.spec, part.start, end)
            if used + length >= goal:
                return add_business_minutes(self.spec, part.start, remaining)
            used += length
        return None

    def percent_used(self, now: datetime) -> float:
        if not self.target.minutes:
            return 100.0
        return 100 * self.elapsed_seconds(now) / self.target_seconds

    @property
    def is_running(self) -> bool:
        return self.stop is None and bool(self.parts) and self.parts[-1].running


def clocks(ticket, calendar=None, status_events=None) -> dict[str, Clock]:
    """Build the ticket's clocks, keyed by target kind."""
    calendar = spec_for(calendar or calendar_for_client(ticket.client))
    parts = segments(ticket, status_events)
    return {
        kind: Clock(ticket, target, parts, calendar)
        for kind, target in targets_for(ticket).items()
    }


def due_times(ticket, calendar=None) -> dict[str, datetime | None]:
    """Due time of each target: when it is (or was) reached, None while paused.

    A target already achieved (the first response given, the ticket resolved)
    keeps the due time it had when achieved.
    """
    result = {}
    for kind, clock in clocks(ticket, calendar).items():
        computed = clock.moment_at(BREACH_THRESHOLD)
        if kind == TargetKind.FIRST_RESPONSE and ticket.first_responded_at:
            result[kind] = ticket.response_due_at or computed
        elif kind == TargetKind.RESOLUTION and ticket.status in STOPPED_STATUSES:
            result[kind] = ticket.resolution_due_at or computed
        else:
            result[kind] = computed
    return result


def refresh_due_times(ticket, calendar=None) -> None:
    """Recompute and store the due times after a change of priority, status or
    calendar."""
    due = due_times(ticket, calendar)
    ticket.response_due_at = due[TargetKind.FIRST_RESPONSE]
    ticket.resolution_due_at = due[TargetKind.RESOLUTION]
    running = []
    if ticket.first_responded_at is None and ticket.response_due_at:
        running.append(ticket.response_due_at)
    if (
        ticket.status not in PAUSED_STATUSES | STOPPED_STATUSES
        and ticket.resolution_due_at
    ):
        running.append(ticket.resolution_due_at)
    ticket.due_at = min(running) if running else None
    type(ticket).objects.filter(pk=ticket.pk).update(
        response_due_at=ticket.response_due_at,
        resolution_due_at=ticket.resolution_due_at,
        due_at=ticket.due_at,
    )


@dataclass(frozen=True)
class TimelineEntry:
    start: datetime
    end: datetime | None
    state: str
    status_label: str
    reason: str
    counted_minutes: int


def timeline(ticket, now: datetime | None = None) -> list[TimelineEntry]:
    """List the resolution clock's stretches for the client: when it ran, when it
    paused and why, and when it stopped."""
    now = now or timezone.now()
    clock = clocks(ticket)[TargetKind.RESOLUTION]
    entries = []
    for part in clock.parts:
        counted = 0
        if part.running:
            counted = business_time_between(
                clock.spec, part.start, part.end or now
            ) // timedelta(minutes=1)
        entries.append(
            TimelineEntry(
                part.start,
                part.end,
                part.state,
                Status(part.status).label,
                part.reason,
                counted,
            )
        )
    return entries
