"""Emails about tickets. Internal notes are never sent to client staff.

Every message has a plain-text body and an HTML alternative rendered with
autoescaping, so text typed by people (a subject with <script>) arrives as text.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.roles import Role

logger = logging.getLogger(__name__)


def ticket_url(ticket) -> str:
    path = reverse("servicedesk:ticket_detail", kwargs={"pk": ticket.pk})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def client_recipients(ticket) -> list[str]:
    """Requester and watchers of the ticket's client, never provider-only people."""
    people = list(ticket.watchers.filter(client=ticket.client, is_active=True))
    if ticket.requester and ticket.requester.is_active:
        people.append(ticket.requester)
    return sorted({person.email for person in people if person.email})


def analyst_recipients(ticket) -> list[str]:
    from accounts.models import User

    if ticket.assignee and ticket.assignee.email:
        return [ticket.assignee.email]
    return sorted(
        User.objects.filter(role=Role.L1_ANALYST, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def send(template: str, recipients: list[str], context: dict) -> None:
    if not recipients:
        return
    subject = render_to_string(f"servicedesk/email/{template}_subject.txt", context)
    text = render_to_string(f"servicedesk/email/{template}.txt", context)
    html = render_to_string(f"servicedesk/email/{template}.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()), text, settings.DEFAULT_FROM_EMAIL, recipients
    )
    message.attach_alternative(html, "text/html")
    message.send()
    ticket = context.get("ticket")
    logger.info(
        "ticket email sent template=%s ticket=%s recipients=%d",
        template,
        getattr(ticket, "pk", "-"),
        len(recipients),
    )


def public_update(update) -> None:
    """Tell the other side about a public reply; internal notes send nothing."""
    if not update.is_public:
        return
    ticket = update.ticket
    if update.author.is_client_staff:
        recipients = analyst_recipients(ticket)
    else:
        recipients = client_recipients(ticket)
    send(
        "reply",
        recipients,
        {"ticket": ticket, "update": update, "url": ticket_url(ticket)},
    )


def closure_warning(ticket, closes_at) -> None:
    send(
        "closure_warning",
        client_recipients(ticket),
        {"ticket": ticket, "closes_at": closes_at, "url": ticket_url(ticket)},
    )


def auto_closed(ticket) -> None:
    send(
        "auto_closed",
        client_recipients(ticket),
        {"ticket": ticket, "url": ticket_url(ticket)},
    )


def sla_alert(alert) -> None:
    ticket = alert.ticket
    send(
        "sla_alert",
        analyst_recipients(ticket),
        {"ticket": ticket, "alert": alert, "url": ticket_url(ticket)},
    )
