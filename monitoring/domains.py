"""Domain checks, downtime alerts, daily roll-ups and monthly availability."""

import asyncio
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from monitoring.choices import NoticeKind
from monitoring.models import (
    AvailabilityBreach,
    DomainCheck,
    DomainDailySummary,
    DowntimeEvent,
    MonitoredDomain,
    MonitoringSettings,
)
from monitoring.notify import client_contacts, send_notice
from monitoring.probes.http import CheckOutcome, check_many
from monitoring.targets import parse_target

logger = logging.getLogger(__name__)

CHECK_CONCURRENCY = 100
RAW_RETENTION_DAYS = 7
OBJECTIVE_PERCENT = Decimal("99.5")


def due_domains(now: datetime) -> list[MonitoredDomain]:
    domains = MonitoredDomain.objects.filter(is_active=True).select_related("client")
    return [
        domain
        for domain in domains
        if domain.last_checked_at is None
        or domain.last_checked_at + timedelta(seconds=domain.interval_seconds) <= now
    ]


def run_checks(
    domains: list[MonitoredDomain] | None = None,
    now: datetime | None = None,
    concurrency: int = CHECK_CONCURRENCY,
) -> list[DomainCheck]:
    """Check the given (or every due) domain once and store the results.

    1. Check all targets concurrently, at most `concurrency` at a time.
    2. Store the raw checks in one insert and update the failure counters.
    3. Open a downtime event for domains past their failure limit, and close
       open events of domains that succeeded again. Each sends one notice.
    """
    now = now or timezone.now()
    if domains is None:
        domains = due_domains(now)
    if not domains:
        return []
    pairs = [(parse_target(d.target), float(d.timeout_seconds)) for d in domains]
    outcomes = asyncio.run(check_many(pairs, concurrency))
    checks = store_checks(domains, outcomes, now)
    update_downtime(domains, outcomes, now)
    return checks


def store_checks(domains, outcomes: list[CheckOutcome], now) -> list[DomainCheck]:
    checks = [
        DomainCheck(
            domain=domain,
            checked_at=now,
            succeeded=outcome.succeeded,
            dns_ms=outcome.dns_ms,
            connect_ms=outcome.connect_ms,
            tls_ms=outcome.tls_ms,
            http_status=outcome.http_status,
            total_ms=outcome.total_ms,
            failure_reason=outcome.failure_reason,
        )
        for domain, outcome in zip(domains, outcomes, strict=True)
    ]
    up = [d.pk for d, o in zip(domains, outcomes, strict=True) if o.succeeded]
    down = [d.pk for d, o in zip(domains, outcomes, strict=True) if not o.succeeded]
    with transaction.atomic():
        DomainCheck.objects.bulk_create(checks, batch_size=500)
        MonitoredDomain.objects.filter(pk__in=up).update(
            consecutive_failures=0, last_checked_at=now
        )
        MonitoredDomain.objects.filter(pk__in=down).update(
            consecutive_failures=F("consecutive_failures") + 1, last_checked_at=now
        )
    return checks


def _failure_limits(domains) -> dict[int, int]:
    client_ids = {domain.client_id for domain in domains}
    rows = MonitoringSettings.objects.filter(client_id__in=client_ids)
    limits = {row.client_id: row.downtime_after_failures for row in rows}
    default = MonitoringSettings._meta.get_field("downtime_after_failures").default
    return {domain.pk: limits.get(domain.client_id, default) for domain in domains}


def update_downtime(domains, outcomes: list[CheckOutcome], now) -> None:
    by_id = {domain.pk: domain for domain in domains}
    reasons = {d.pk: o.failure_reason for d, o in zip(domains, outcomes, strict=True)}
    limits = _failure_limits(domains)
    counters = dict(
        MonitoredDomain.objects.filter(pk__in=by_id).values_list(
            "pk", "consecutive_failures"
        )
    )
    open_ids = set(
        DowntimeEvent.objects.filter(
            domain_id__in=by_id, recovered_at__isnull=True
        ).values_list("domain_id", flat=True)
    )
    for domain_id, failures in counters.items():
        domain = by_id[domain_id]
        if failures >= limits[domain_id] and domain_id not in open_ids:
            start_downtime(domain, reasons[domain_id], now)
        elif failures == 0 and domain_id in open_ids:
            end_downtime(domain, now)


def start_downtime(domain: MonitoredDomain, reason: str, now) -> bool:
    try:
        with transaction.atomic():
            DowntimeEvent.objects.create(domain=domain, started_at=now, reason=reason)
            send_notice(
                domain.client,
                client_contacts(domain.client),
                kind=NoticeKind.DOWNTIME,
                title=f"{domain.target} is down",
                template="monitoring/email/downtime",
                context={"domain": domain, "reason": reason, "since": now},
            )
    except IntegrityError:
        return False  # another worker opened the event first
    logger.warning("domain down domain=%s reason=%s", domain.pk, reason)
    return True


def end_downtime(domain: MonitoredDomain, now) -> bool:
    with transaction.atomic():
        # Of two workers seeing the recovery at once, the second waits for the
        # first one's row lock and then matches no open row, so one notice goes out.
        closed = DowntimeEvent.objects.filter(
            domain=domain, recovered_at__isnull=True
        ).update(recovered_at=now)
        if not closed:
            return False
        send_notice(
            domain.client,
            client_contacts(domain.client),
            kind=NoticeKind.RECOVERY,
            title=f"{domain.target} is up again",
            template="monitoring/email/recovery",
            context={"domain": domain, "since": now},
        )
    logger.info("domain recovered domain=%s", domain.pk)
    return True


def bucket(milliseconds: float) -> int:
    """Return the upper bound of the histogram bucket of a response time.

    10 ms buckets up to 1 s, 100 ms up to 10 s, 1 s beyond: percentiles read
    from the histogram are exact to that resolution.
    """
    if milliseconds <= 1000:
        return max(10, math.ceil(milliseconds / 10) * 10)
    if milliseconds <= 10000:
        return math.ceil(milliseconds / 100) * 100
    return math.ceil(milliseconds / 1000) * 1000


def _day_range(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def rollup_day(day: date) -> int:
    """Summarise every domain's raw checks of one UTC day; idempotent."""
    start, end = _day_range(day)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    histograms: dict[int, dict[str, int]] = defaultdict(dict)
    rows = DomainCheck.objects.filter(checked_at__gte=start, checked_at__lt=end)
    for domain_id, succeeded, total_ms in rows.values_list(
        "domain_id", "succeeded", "total_ms"
    ).iterator():
        totals[domain_id][0] += 1
        if succeeded:
            totals[domain_id][1] += 1
            key = str(bucket(total_ms or 0))
            histograms[domain_id][key] = histograms[domain_id].get(key, 0) + 1
    with transaction.atomic():
        DomainDailySummary.objects.filter(day=day, domain_id__in=totals).delete()
        DomainDailySummary.objects.bulk_create(
            [
                DomainDailySummary(
                    domain_id=domain_id,
                    day=day,
                    checks=count,
                    successes=successes,
                    response_histogram=histograms[domain_id],
                )
                for domain_id, (count, successes) in totals.items()
            ]
        )
    return len(totals)


def rollup_and_prune(now: datetime | None = None) -> None:
    """Summarise finished days not yet summarised, prune old raw checks, and
    record availability breaches of this month and the last.

    Days are UTC days. Raw checks stay RAW_RETENTION_DAYS after their day.
    """
    now = now or timezone.now()
    today = now.astimezone(UTC).date()
    summarised = set(DomainDailySummary.objects.values_list("day", flat=True))
    first = (
        DomainCheck.objects.order_by("checked_at")
        .values_list("checked_at", flat=True)
        .first()
    )
    if first is not None:
        day = first.astimezone(UTC).date()
        while day < today:
            if day not in summarised:
                rollup_day(day)
            day += timedelta(days=1)
    cutoff = datetime.combine(
        today - timedelta(days=RAW_RETENTION_DAYS), time.min, tzinfo=UTC
    )
    deleted, _ = DomainCheck.objects.filter(checked_at__lt=cutoff).delete()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    for month in (last_month, this_month):
        record_breaches(month)
    logger.info("domain rollup done pruned=%d", deleted)


@dataclass
class Availability:
    checks: int = 0
    successes: int = 0
    histogram: dict[int, int] = field(default_factory=dict)

    @property
    def percent(self) -> Decimal | None:
        if not self.checks:
            return None
        return (Decimal(self.successes) * 100 / Decimal(self.checks)).quantize(
            Decimal("0.0001")
        )

    def percentile(self, share: float) -> int | None:
        """Return the response time (ms, bucket upper bound) below which `share`
        of the successful checks fall."""
        total = sum(self.histogram.values())
        if not total:
            return None
        rank = math.ceil(share * total)
        seen = 0
        for upper in sorted(self.histogram):
            seen += self.histogram[upper]
            if seen >= rank:
                return upper
        return max(self.histogram)

    @property
    def p50(self) -> int | None:
        return self.percentile(0.50)

    @property
    def p95(self) -> int | None:
        return self.percentile(0.95)

    @property
    def p99(self) -> int | None:
        return self.percentile(0.99)

    def add(self, succeeded: bool, total_ms: float | None) -> None:
        self.checks += 1
        if succeeded:
            self.successes += 1
            upper = bucket(total_ms or 0)
            self.histogram[upper] = self.histogram.get(upper, 0) + 1


def _month_bounds(month: date) -> tuple[date, date]:
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return month.replace(day=1), next_month


def monthly_availability(domain_ids, month: date) -> dict[int, Availability]:
    """Return availability and response times per domain for one (UTC) month.

    Summarised days come from DomainDailySummary; days not summarised yet come
    from the raw checks. Two queries, whatever the number of domains.
    NOTE: the raw checks of unsummarised days are read row by row in Python. The
    hourly roll-up keeps that to about one day of checks, but a list page over
    thousands of busy domains would want this aggregation done in SQL.
    """
    first, after = _month_bounds(month)
    result: dict[int, Availability] = {pk: Availability() for pk in domain_ids}
    summaries = DomainDailySummary.objects.filter(
        domain_id__in=domain_ids, day__gte=first, day__lt=after
    ).values_list("domain_id", "day", "checks", "successes", "response_histogram")
    summarised: dict[int, set[date]] = defaultdict(set)
    for domain_id, day, checks, successes, histogram in summaries:
        entry = result[domain_id]
        entry.checks += checks
        entry.successes += successes
        for key, count in histogram.items():
            entry.histogram[int(key)] = entry.histogram.get(int(key), 0) + count
        summarised[domain_id].add(day)
    raw = DomainCheck.objects.filter(
        domain_id__in=domain_ids,
        checked_at__gte=_day_range(first)[0],
        checked_at__lt=_day_range(after)[0],
    ).values_list("domain_id", "checked_at", "succeeded", "total_ms")
    for domain_id, checked_at, succeeded, total_ms in raw.iterator():
        if checked_at.astimezone(UTC).date() not in summarised[domain_id]:
            result[domain_id].add(succeeded, total_ms)
    return result


def record_breaches(month: date) -> int:
    """Store (or clear) the month's breach row of every domain; return breaches."""
    domain_ids = list(MonitoredDomain.objects.values_list("pk", flat=True))
    availability = monthly_availability(domain_ids, month)
    met = [
        domain_id
        for domain_id, entry in availability.items()
        if entry.percent is None or entry.percent >= OBJECTIVE_PERCENT
    ]
    AvailabilityBreach.objects.filter(domain_id__in=met, month=month).delete()
    breaches = 0
    for domain_id, entry in availability.items():
        percent = entry.percent
        if domain_id in met:
            continue
        AvailabilityBreach.objects.update_or_create(
            domain_id=domain_id,
            month=month,
            defaults={
                "availability_percent": percent,
                "objective_percent": OBJECTIVE_PERCENT,
                "checks": entry.checks,
            },
        )
        breaches += 1
    return breaches
