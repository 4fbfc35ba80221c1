"""Periodic jobs of the service desk. Both are safe to run twice at once."""

import logging

from celery import shared_task
from django.utils import timezone

from certportal.jobs import single_instance
from servicedesk import alerts, services
from servicedesk.choices import Status
from servicedesk.models import Ticket

logger = logging.getLogger(__name__)


@shared_task(name="servicedesk.check_sla", bind=True)
@single_instance("servicedesk.check_sla", timeout=300)
def check_sla(self) -> dict:
    """Record SLA warnings and breaches that happened, and send the due ones."""
    return alerts.check(timezone.now())


@shared_task(name="servicedesk.close_resolved_tickets", bind=True)
@single_instance("servicedesk.close_resolved_tickets", timeout=900)
def close_resolved_tickets(self) -> dict:
    """Send closure notices and close resolved tickets left without an answer."""
    now = timezone.now()
    outcome = {"closed": 0, "noticed": 0, "nothing": 0}
    ids = Ticket.objects.filter(status=Status.RESOLVED).values_list("pk", flat=True)
    for ticket_id in ids:
        try:
            outcome[services.close_if_unanswered(ticket_id, now)] += 1
        except Exception:
            # Logged and skipped so one ticket cannot block the others; the
            # next run tries it again.
            logger.exception("auto-close failed ticket=%s", ticket_id)
    logger.info("auto-close done %s", outcome)
    return outcome
