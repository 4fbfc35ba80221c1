"""Outgoing ticket email, threaded so that replies find their ticket.

Each message carries the ticket reference in its subject ("[T-000123]"), its own
Message-ID (stored in OutgoingEmail) and References to the ticket's thread root,
so a reply is matched by either the subject or In-Reply-To.
"""

import logging
import re
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from governance import raci
from governance.models import OutgoingEmail
from servicedesk.notifications import ticket_url

logger = logging.getLogger(__name__)

REFERENCE_PATTERN = re.compile(r"\[CP-(\d{1,12})\]", re.IGNORECASE)
# The service desk's own reference ("T-000042"), found in subjects of replies
# to the emails that servicedesk.notifications sends.
DESK_REFERENCE_PATTERN = re.compile(r"\bT-(\d{6,12})\b")
REPLY_MARKER = "-- Reply above this line to add a public reply --"


def reference(ticket) -> str:
    """Return the ticket's reference as the portal shows it, e.g. T-000123."""
    return ticket.reference


def mail_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"


def thread_root_id(ticket) -> str:
    """Return the Message-ID that every email of the ticket refers to, so mail
    clients show one conversation per ticket."""
    return f"<ticket-{ticket.pk}@{mail_domain()}>"


def recipients_for(ticket, exclude=None) -> list[str]:
    """Requester and watchers whose party the RACI row for ticket updates informs.

    The person who caused the event is left out: they know already.
    """
    people = list(ticket.watchers.filter(is_active=True))
    if ticket.requester.is_active:
        people.append(ticket.requester)
    informed = {
        party
        for party in ("customer", "provider")
        if raci.party_is_informed(raci.Code.TICKET_UPDATES, ticket.client, party)
    }
    addresses = {
        person.email
        for person in people
        if person.email
        and raci.party_of(person) in informed
        and (exclude is None or person.pk != exclude.pk)
        and (person.is_provider_staff or person.client_id == ticket.client_id)
    }
    return sorted(addresses)


def _claim(ticket, event_key: str) -> OutgoingEmail | None:
    """Return the row for this event, or None when it was sent already."""
    try:
        with transaction.atomic():
            return OutgoingEmail.objects.create(
                ticket=ticket,
                event_key=event_key,
                message_id=make_msgid(domain=mail_domain()),
            )
    except IntegrityError:
        row = OutgoingEmail.objects.get(ticket=ticket, event_key=event_key)
        return None if row.sent_at else row


def send_ticket_email(
    ticket, event_key: str, headline: str, body: str = "", actor=None
) -> OutgoingEmail | None:
    """Send one email about `ticket` to the people RACI informs, once per
    `event_key` (for example "reply:42" or "status:7:resolved").

    A unique row claims the event before sending. Only a crash between sending
    and recording `sent_at` makes a retry send it again.

    `body` is text written by people; the templates escape it in the HTML part.
    Returns the stored row, or None when nothing was sent.
    """
    recipients = recipients_for(ticket, exclude=actor)
    if not recipients:
        return None
    row = _claim(ticket, event_key)
    if row is None:
        logger.info(
            "ticket email skipped ticket=%s event=%s reason=already sent",
            ticket.pk,
            event_key,
        )
        return None

    context = {
        "ticket": ticket,
        "reference": reference(ticket),
        "headline": headline,
        "body": body,
        "url": ticket_url(ticket),
        "reply_marker": REPLY_MARKER,
    }
    subject = f"[{reference(ticket)}] {ticket.subject}"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("governance/email/ticket_event.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[settings.GOVERNANCE_DESK_ADDRESS],
        headers={
            "Message-ID": row.message_id,
            "In-Reply-To": thread_root_id(ticket),
            "References": thread_root_id(ticket),
            # RFC 3834: auto-responders must not reply to this, which prevents loops.
            "Auto-Submitted": "auto-generated",
            "X-CertPortal-Ticket": reference(ticket),
        },
    )
    message.attach_alternative(
        render_to_string("governance/email/ticket_event.html", context), "text/html"
    )
    message.send()

    row.recipients = recipients
    row.sent_at = timezone.now()
    row.save(update_fields=["recipients", "sent_at"])
    logger.info(
        "ticket email sent ticket=%s event=%s recipients=%d",
        ticket.pk,
        event_key,
        len(recipients),
    )
    return row


def public_reply(update) -> OutgoingEmail | None:
    """Send a public reply to the requester and watchers; notes send nothing."""
    if not update.is_public:
        return None
    return send_ticket_email(
        update.ticket,
        f"reply:{update.pk}",
        f"{update.author.get_full_name() or update.author.get_username()} replied",
        update.body,
        actor=update.author,
    )


def status_changed(ticket, event_id: int, old: str, new: str, actor=None):
    labels = dict(type(ticket)._meta.get_field("status").choices)
    return send_ticket_email(
        ticket,
        f"status:{event_id}",
        f"Status changed from {labels.get(old, old)} to {labels.get(new, new)}",
        actor=actor,
    )


def sla_event(alert):
    """Tell the requester that a target was breached; earlier warnings are for
    analysts only, so they send nothing here."""
    if alert.threshold < 100:
        return None
    return send_ticket_email(
        alert.ticket,
        f"sla:{alert.pk}",
        f"The {alert.get_target_display().lower()} target was missed",
        "The service desk has been alerted and is working on your ticket.",
    )
