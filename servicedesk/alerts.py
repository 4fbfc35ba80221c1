"""SLA warnings and breaches, recorded as they happen by a periodic check.

Steps of one check (servicedesk.tasks.check_sla):
1. For each ticket whose clock runs, compute when each threshold of each open
   target is reached; a moment in the past is stored as an SlaAlert. The
   unique (ticket, target, threshold) row makes reruns harmless.
2. Breaches are sent to the analysts at once.
3. Warnings wait until the provider's calendar is in working time; then only
   the highest pending threshold of a target is sent, and lower ones are
   marked as delivered with it.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from servicedesk import notifications, sla
from servicedesk.calendars import is_working_time, provider_calendar
from servicedesk.choices import PAUSED_STATUSES, STOPPED_STATUSES, TargetKind
from servicedesk.models import SlaAlert, Ticket

logger = logging.getLogger(__name__)
AT_RISK_WINDOW = timedelta(hours=1)
THRESHOLDS = (*sla.WARNING_THRESHOLDS, sla.BREACH_THRESHOLD)


def running_tickets():
    return Ticket.objects.exclude(
        status__in=[*PAUSED_STATUSES, *STOPPED_STATUSES]
    ).select_related("client", "assignee")


def record_crossings(ticket: Ticket, now: datetime) -> list[SlaAlert]:
    """Store an alert for every threshold the ticket's clocks passed by `now`."""
    created = []
    for kind, clock in sla.clocks(ticket).items():
        if kind == TargetKind.FIRST_RESPONSE and ticket.first_responded_at:
            continue
        for threshold in THRESHOLDS:
            moment = clock.moment_at(threshold)
            if moment is None or moment > now:
                break
            alert = _insert(ticket, kind, threshold, moment, now)
            if alert is not None:
                created.append(alert)
    return created


def _insert(ticket, kind, threshold, moment, now) -> SlaAlert | None:
    try:
        with transaction.atomic():
            return SlaAlert.objects.create(
                ticket=ticket,
                target=kind,
                threshold=threshold,
                crossed_at=moment,
                recorded_at=now,
            )
    except IntegrityError:
        return None


def _claim(alert_ids, now) -> bool:
    """Mark alerts delivered; False if another run claimed them first."""
    claimed = SlaAlert.objects.filter(
        pk__in=alert_ids, notified_at__isnull=True
    ).update(notified_at=now)
    return claimed > 0


def deliver(now: datetime) -> int:
    """Send pending breaches, and pending warnings inside analysts' hours."""
    calendar = provider_calendar()
    in_hours = calendar is None or is_working_time(calendar, now)
    pending = SlaAlert.objects.filter(notified_at__isnull=True).select_related(
        "ticket__client", "ticket__assignee"
    )
    if not in_hours:
        pending = pending.filter(threshold__gte=sla.BREACH_THRESHOLD)
    highest: dict[tuple[int, str], list[SlaAlert]] = {}
    for alert in pending.order_by("threshold"):
        highest.setdefault((alert.ticket_id, alert.target), []).append(alert)
    sent = 0
    for alerts in highest.values():
        top = alerts[-1]
        if _claim([alert.pk for alert in alerts], now):
            notifications.sla_alert(top)
            transaction.on_commit(partial(_tell_requester, top.pk))
            sent += 1
    return sent


def check(now: datetime) -> dict[str, int]:
    recorded = 0
    for ticket in running_tickets():
        try:
            recorded += len(record_crossings(ticket, now))
        except Exception:
            # One bad ticket (say a calendar with no working time) must not stop
            # the check of the others; the error is logged with the ticket id.
            logger.exception("SLA check failed ticket=%s", ticket.pk)
    sent = deliver(now)
    logger.info("SLA check done recorded=%d sent=%d", recorded, sent)
    return {"recorded": recorded, "sent": sent}


def breached_q(now: datetime) -> Q:
    """Tickets past a running due time, or with a breach recorded."""
    recorded = SlaAlert.objects.filter(
        ticket=OuterRef("pk"), threshold__gte=sla.BREACH_THRESHOLD
    )
    return Q(due_at__lt=now) | Q(Exists(recorded))


def at_risk_q(now: datetime) -> Q:
    """Tickets due within the next hour and not yet breached."""
    return Q(due_at__gte=now, due_at__lt=now + AT_RISK_WINDOW)


def _tell_requester(alert_id: int) -> None:
    """Email the requester and watchers about a breach (warnings stay internal)."""
    from governance import hooks

    hooks.sla_alert_recorded(SlaAlert.objects.select_related("ticket").get(pk=alert_id))
