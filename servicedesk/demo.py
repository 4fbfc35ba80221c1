"""Demo tickets in several states for each demo client, and the analysts' calendar.

Idempotent: a ticket is identified by its client and subject, so a second run
finds every ticket and creates nothing.
"""

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from servicedesk import services
from servicedesk.calendars import calendar_for_client
from servicedesk.choices import Category, Level
from servicedesk.models import BusinessCalendar, Ticket, WorkingWindow

ANALYST = "l1.analyst"


def _provider_calendar(out) -> None:
    calendar, created = BusinessCalendar.objects.get_or_create(
        is_provider_calendar=True,
        defaults={"name": "L1 analysts (London)", "time_zone": "Europe/London"},
    )
    if not created:
        return
    WorkingWindow.objects.bulk_create(
        WorkingWindow(calendar=calendar, weekday=day, start=time(8), end=time(18))
        for day in range(5)
    )
    out.write("Created the analysts' calendar: Monday to Friday 08:00-18:00.\n")


def _new(client, person, analyst, now):
    return services.open_ticket(
        client,
        person,
        Category.RENEWAL,
        "Renew the shop certificate",
        "shop.example.com expires next month; please renew it.",
        Level.MEDIUM,
        Level.MEDIUM,
        now=now - timedelta(hours=3),
    )


def _awaiting(client, person, analyst, now):
    ticket = services.open_ticket(
        client,
        person,
        Category.INSTALLATION,
        "Which intermediate do we install?",
        "The new certificate shows a chain warning on our load balancer.",
        Level.MEDIUM,
        Level.HIGH,
        now=now - timedelta(days=1),
    )
    services.request_information(
        ticket,
        analyst,
        "Which load balancer model and software version do you run?",
        now=now - timedelta(hours=20),
    )
    return ticket


def _resolved(client, person, analyst, now):
    ticket = services.open_ticket(
        client,
        person,
        Category.INCIDENT,
        "Checkout page shows a certificate warning",
        "Customers report a warning on checkout.example.com.",
        Level.HIGH,
        Level.MEDIUM,
        now=now - timedelta(days=2),
    )
    services.add_update(
        ticket, analyst, "Looking at it now.", now=now - timedelta(days=2)
    )
    services.resolve(
        ticket,
        analyst,
        "The intermediate certificate was missing; the full chain is installed.",
        now=now - timedelta(days=1),
    )
    return ticket


def _p1(client, person, analyst, now):
    ticket = services.open_ticket(
        client,
        person,
        Category.INCIDENT,
        "Payment API rejects every TLS connection",
        "api.example.com fails the handshake since the last deployment.",
        Level.HIGH,
        Level.HIGH,
        now=now - timedelta(minutes=50),
    )
    services.record_call(
        ticket,
        analyst,
        caller_name=person.get_full_name() or person.username,
        called_at=now - timedelta(minutes=45),
        notes="Confirmed the outage; the old certificate is being restored.",
        now=now,
    )
    return ticket


# Subject of each demo ticket and the function that creates it.
MAKERS = [
    ("Renew the shop certificate", _new),
    ("Which intermediate do we install?", _awaiting),
    ("Checkout page shows a certificate warning", _resolved),
    ("Payment API rejects every TLS connection", _p1),
]


def seed(clients: dict, people: dict, out) -> None:
    """Seed the analysts' calendar and four tickets per demo client."""
    analyst = people.get(ANALYST)
    if analyst is None:
        out.write("Service desk demo skipped: no l1.analyst person.\n")
        return
    now = timezone.now()
    _provider_calendar(out)
    for slug, client in clients.items():
        person = people.get(f"{slug}.user")
        if person is None:
            continue
        calendar_for_client(client)
        for subject, make in MAKERS:
            if Ticket.objects.filter(client=client, subject=subject).exists():
                continue
            with transaction.atomic():
                ticket = make(client, person, analyst, now)
            out.write(f"Created ticket {ticket.reference} for {client.name}.\n")
