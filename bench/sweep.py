"""The daily expiry sweep over every certificate, against an index range scan.

Before timing, the notices due up to yesterday are recorded as already sent, so
each timed run does one ordinary day's work: it sends only the notices whose
threshold is crossed today. Each run is rolled back, so every run starts from the same
state (emails queued for after the commit are therefore never sent).
"""

import resource
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from bench.timing import Figure, compare
from certificates.models import Certificate
from monitoring.expiry import days_left, due_threshold, run_expiry_check
from monitoring.models import DEFAULT_THRESHOLDS, ExpiryNotification

TARGET = "within 2x floor"
HORIZON_DAYS = max(DEFAULT_THRESHOLDS) + 1
RANGE_SQL = (
    "SELECT id FROM certificates_certificate "
    "WHERE status IN ('active', 'replaced') AND not_after >= %s AND not_after < %s"
)


def mark_yesterday_sent(now) -> int:
    """Record the notices that yesterday's sweep sent; return how many."""
    rows = (
        Certificate.objects.filter(
            status__in=["active", "replaced"],
            not_after__gte=now,
            not_after__lt=now + timedelta(days=HORIZON_DAYS),
        )
        .select_related("client")
        .values_list("pk", "not_after", "client__time_zone")
    )
    claims = []
    zones = {}
    for pk, not_after, zone_name in rows.iterator(chunk_size=5000):
        zone = zones.setdefault(zone_name, timezone.zoneinfo.ZoneInfo(zone_name))
        left = days_left(not_after, zone, now - timedelta(days=1))
        threshold = due_threshold(left, DEFAULT_THRESHOLDS)
        if threshold is not None:
            claims.append(
                ExpiryNotification(
                    certificate_id=pk,
                    kind="expiry",
                    threshold_days=threshold,
                    days_left=left,
                )
            )
    ExpiryNotification.objects.bulk_create(
        claims, batch_size=5000, ignore_conflicts=True
    )
    return len(claims)


def _sweep(now):
    summary = {}

    def run():
        with transaction.atomic():
            result = run_expiry_check(now)
            summary.update(vars(result))
            transaction.set_rollback(True)

    return run, summary


def _range_scan(now):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(RANGE_SQL, [now, now + timedelta(days=HORIZON_DAYS)])
            return cursor.fetchall()

    return run


def run(world) -> list[Figure]:
    now = timezone.now()
    claimed = mark_yesterday_sent(now)
    sweep, summary = _sweep(now)
    floor = _range_scan(now)
    # A full-size sweep takes minutes, so it runs without a warm-up.
    budget = world.budget(repeats=5, seconds=200, warmup=False)
    stats, floor_stats = compare(sweep, floor, budget)
    tracked = Certificate.objects.filter(status__in=["active", "replaced"]).count()
    in_range = len(floor())
    figure = Figure(
        "expiry",
        "daily expiry sweep, notifications included",
        stats,
        floor_stats,
        floor_name=f"raw SQL index range scan of the {HORIZON_DAYS}-day horizon",
        target=TARGET,
    )
    figure.met = figure.ratio <= 2
    figure.notes += [
        f"{Certificate.objects.count():,} certificates, {tracked:,} active or "
        f"replaced, {in_range:,} inside the horizon",
        f"{claimed:,} notices recorded as sent yesterday; one run sent "
        f"{summary.get('notices', 0):,} notices, marked "
        f"{summary.get('expired', 0):,} expired",
        f"peak resident memory of the benchmark process after the sweep: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:,.1f} GiB",
    ]
    return [figure]
