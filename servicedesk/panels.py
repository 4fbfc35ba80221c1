"""Dashboard panels of the service desk."""

from django.db.models import Count
from django.utils import timezone

from accounts.tenancy import scope
from servicedesk.alerts import at_risk_q, breached_q
from servicedesk.choices import OPEN_STATUSES, Priority, Status
from servicedesk.models import Ticket

PANEL_ROWS = 10


def my_open_tickets(request) -> dict:
    tickets = scope(Ticket.objects.all(), request.user).filter(status__in=OPEN_STATUSES)
    return {
        "tickets": list(
            tickets.select_related("client").order_by("-created_at")[:PANEL_ROWS]
        ),
        "open_count": tickets.count(),
    }


def queue(request) -> dict:
    now = timezone.now()
    tickets = scope(Ticket.objects.all(), request.user).filter(status__in=OPEN_STATUSES)
    counts = dict(tickets.values_list("status").annotate(total=Count("pk")).order_by())
    return {
        "status_counts": [
            (status.label, counts.get(status, 0))
            for status in Status
            if status in OPEN_STATUSES
        ],
        "breached_count": tickets.filter(breached_q(now)).distinct().count(),
        "at_risk": list(
            tickets.filter(at_risk_q(now))
            .select_related("client")
            .order_by("due_at")[:PANEL_ROWS]
        ),
        "awaiting_call_count": tickets.filter(priority=Priority.P1, calls__isnull=True)
        .distinct()
        .count(),
    }
