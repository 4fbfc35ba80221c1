"""The few service desk calls that incoming email needs, in one place."""

from servicedesk import services
from servicedesk.choices import Category
from servicedesk.models import Ticket
from servicedesk.validation import SUBJECT_MAX_LENGTH, validate_attachment

__all__ = ["add_public_reply", "open_ticket", "ticket_model", "validate_attachment"]


def ticket_model():
    return Ticket


def add_public_reply(ticket, author, body: str, files) -> object:
    return services.add_update(ticket, author, body, attachments=files)


def open_ticket(requester, subject: str, body: str, files) -> Ticket:
    """Open a ticket for the requester's organisation from an email.

    Email carries no impact or urgency, so the ticket starts at the matrix's
    medium/medium and an analyst sets both when triaging it.
    """
    return services.open_ticket(
        requester.client,
        requester,
        Category.OTHER,
        subject[:SUBJECT_MAX_LENGTH],
        body or "(no text)",
        source="email",
        attachments=files,
    )
