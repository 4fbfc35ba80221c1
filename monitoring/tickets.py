"""The one place this app raises service-desk tickets."""

from servicedesk.choices import Level
from servicedesk.services import open_ticket
from servicedesk.validation import SUBJECT_MAX_LENGTH, TEXT_MAX_LENGTH

SOURCE = "monitoring"


def raise_ticket(
    client,
    subject: str,
    description: str,
    *,
    category: str,
    urgency: str = Level.MEDIUM,
    certificate=None,
):
    """Open a service-desk ticket on behalf of this app and return it."""
    return open_ticket(
        client,
        None,
        category,
        subject[:SUBJECT_MAX_LENGTH],
        description[:TEXT_MAX_LENGTH],
        urgency=urgency,
        certificate=certificate,
        source=SOURCE,
    )
