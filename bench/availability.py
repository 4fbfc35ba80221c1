"""Monthly availability over every stored check, against one SQL aggregate."""

from datetime import UTC, datetime, time, timedelta

from django.db.models import Count, Q

from bench.seed import last_month
from bench.timing import Figure, compare
from monitoring.domains import monthly_availability
from monitoring.models import DomainCheck, MonitoredDomain


def sql_aggregate(domain_ids, month):
    """Count checks and successes per domain in the database (the floor)."""
    after = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return list(
        DomainCheck.objects.filter(
            domain_id__in=domain_ids,
            checked_at__gte=datetime.combine(month, time(), UTC),
            checked_at__lt=datetime.combine(after, time(), UTC),
        )
        .values("domain_id")
        .annotate(checks=Count("pk"), successes=Count("pk", filter=Q(succeeded=True)))
    )


def run(world) -> list[Figure]:
    month = last_month()
    domain_ids = list(MonitoredDomain.objects.values_list("pk", flat=True))
    checks = DomainCheck.objects.count()
    budget = world.budget(repeats=3, seconds=240, warmup=False)
    stats, floor_stats = compare(
        lambda: monthly_availability(domain_ids, month),
        lambda: sql_aggregate(domain_ids, month),
        budget,
    )
    figure = Figure(
        "availability",
        "monthly availability, every domain, raw checks",
        stats,
        floor_stats,
        floor_name="SQL COUNT per domain over the month",
    )
    figure.notes.append(
        f"{len(domain_ids):,} domains, {checks:,} stored checks in {month:%B %Y}, "
        "none rolled up into daily summaries"
    )
    return [figure]
