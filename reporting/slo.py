"""Service level objective results, computed monthly per client.

Sources, each read only when its app is installed: monitoring's daily check
summaries (domain availability), the service desk's per-ticket SLA results
(first response and resolution, per priority) and the catalogue's requests
(fulfilment within the item's target).
"""

import logging
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import Count, Q, Sum

from accounts.models import Client
from reporting.choices import SloKind
from reporting.models import SloResult
from reporting.periods import due_period, next_month, period_bounds

logger = logging.getLogger(__name__)

DOMAIN_AVAILABILITY_TARGET = Decimal("99.5")
# NOTE: no source states what share of tickets and catalogue requests must meet
# their own targets, so 95% is an assumption to confirm with the service owner.
TICKET_SLA_TARGET = Decimal("95")
CATALOGUE_FULFILMENT_TARGET = Decimal("95")
PERCENT = Decimal("0.001")
# The overview looks back this far for a client's latest month of results.
OVERVIEW_DAYS = 93


def compute_due_results(now=None) -> int:
    """Compute the previous month's results of every client that has none yet."""
    computed = 0
    for client in Client.objects.order_by("pk"):
        period = due_period(client, now)
        if SloResult.objects.filter(client=client, period=period).exists():
            continue
        computed += compute_results(client, period)
    return computed


def compute_results(client: Client, period) -> int:
    """Store or refresh every SLO result of `client` for `period` and count them."""
    return (
        compute_domain_availability(client, period)
        + compute_ticket_slas(client, period)
        + compute_catalogue_fulfilment(client, period)
    )


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(PERCENT, rounding=ROUND_HALF_UP)


def _store(client, period, kind, subject, target, part, whole, details) -> None:
    achieved = _percent(part, whole) if whole else None
    SloResult.objects.update_or_create(
        client=client,
        period=period,
        kind=kind,
        subject=subject,
        defaults={
            "target": target,
            "achieved": achieved,
            "met": None if achieved is None else achieved >= target,
            "details": details,
        },
    )


def compute_ticket_slas(client: Client, period) -> int:
    """Store one result per SLA target and priority.

    It counts the tickets whose target stopped in the month and how many met it.
    """
    if not apps.is_installed("servicedesk"):
        return 0
    sla_model = apps.get_model("servicedesk", "SlaResult")
    start, end = period_bounds(period, client.zone)
    kinds = {
        "first_response": SloKind.TICKET_FIRST_RESPONSE,
        "resolution": SloKind.TICKET_RESOLUTION,
    }
    totals = (
        sla_model.objects.filter(
            ticket__client=client, achieved_at__gte=start, achieved_at__lt=end
        )
        .values("target", "ticket__priority")
        .annotate(total=Count("pk"), met=Count("pk", filter=Q(met=True)))
        .order_by("target", "ticket__priority")
    )
    count = 0
    for total in totals:
        kind = kinds.get(total["target"])
        if kind is None:
            continue
        _store(
            client,
            period,
            kind,
            total["ticket__priority"],
            TICKET_SLA_TARGET,
            total["met"],
            total["total"],
            {"tickets": total["total"], "met": total["met"]},
        )
        count += 1
    return count


def compute_catalogue_fulfilment(client: Client, period) -> int:
    """Store the share of the month's decided catalogue requests fulfilled in time."""
    if not apps.is_installed("catalogue"):
        return 0
    request_model = apps.get_model("catalogue", "CatalogueRequest")
    counts = request_model.objects.filter(client=client, period=period).aggregate(
        met=Count("pk", filter=Q(fulfilment="met")),
        missed=Count("pk", filter=Q(fulfilment="missed")),
        pending=Count("pk", filter=Q(fulfilment="pending")),
    )
    if not any(counts.values()):
        return 0
    _store(
        client,
        period,
        SloKind.CATALOGUE_FULFILMENT,
        "",
        CATALOGUE_FULFILMENT_TARGET,
        counts["met"],
        counts["met"] + counts["missed"],
        counts,
    )
    return 1


def compute_domain_availability(client: Client, period) -> int:
    """Store one result per monitored domain: successful checks over all checks."""
    if not apps.is_installed("monitoring"):
        return 0
    summary_model = apps.get_model("monitoring", "DomainDailySummary")
    totals = (
        summary_model.objects.filter(
            domain__client=client, day__gte=period, day__lt=next_month(period)
        )
        .values("domain__target")
        .annotate(checks=Sum("checks"), successes=Sum("successes"))
        .order_by("domain__target")
    )
    count = 0
    for total in totals:
        checks = total["checks"] or 0
        achieved = None
        met = None
        if checks:
            achieved = (Decimal(total["successes"]) * 100 / checks).quantize(
                PERCENT, rounding=ROUND_HALF_UP
            )
            met = achieved >= DOMAIN_AVAILABILITY_TARGET
        SloResult.objects.update_or_create(
            client=client,
            period=period,
            kind=SloKind.DOMAIN_AVAILABILITY,
            subject=total["domain__target"],
            defaults={
                "target": DOMAIN_AVAILABILITY_TARGET,
                "achieved": achieved,
                "met": met,
                "details": {"checks": checks, "successes": total["successes"]},
            },
        )
        count += 1
    logger.info(
        "slo results computed client=%s period=%s domains=%s", client.pk, period, count
    )
    return count


def _by_kind(results) -> list[dict]:
    """Count met and breached results per SLO kind, in SloKind order."""
    columns = []
    for kind in SloKind:
        of_kind = [result for result in results if result.kind == kind]
        columns.append(
            {
                "kind": kind,
                "measured": sum(1 for result in of_kind if result.met is not None),
                "breaches": sum(1 for result in of_kind if result.met is False),
            }
        )
    return columns


def overview_for(clients) -> list[dict]:
    """Return each client's latest month of results, clients with a breach first."""
    rows = []
    oldest = date.today().replace(day=1) - timedelta(days=OVERVIEW_DAYS)
    results = SloResult.objects.filter(client__in=clients, period__gte=oldest).order_by(
        "client_id", "-period", "kind", "subject"
    )
    latest: dict[int, list[SloResult]] = {}
    for result in results:
        kept = latest.setdefault(result.client_id, [])
        if kept and kept[0].period != result.period:
            continue
        kept.append(result)
    for client in clients:
        client_results = latest.get(client.pk, [])
        breaches = [result for result in client_results if result.met is False]
        rows.append(
            {
                "client": client,
                "period": client_results[0].period if client_results else None,
                "results": client_results,
                "breaches": len(breaches),
                "met": sum(1 for result in client_results if result.met),
                "by_kind": _by_kind(client_results),
            }
        )
    rows.sort(key=lambda row: (-row["breaches"], row["client"].name))
    return rows
