"""The calls servicedesk makes into governance, each named for its moment.

servicedesk owns the ticket workflow, so it calls these functions rather than
governance patching it:
- `check_may_confirm_closure(person, ticket)` before a person confirms closure;
- `check_ticket_may_close(ticket)` before any close, the automatic one included;
- `ticket_saved(ticket)` after a ticket is created or its priority changes;
- `public_update_added(update)`, `status_changed(...)` and `sla_alert_recorded(alert)`
  after the event is committed, to email the requester and watchers.
"""

from django.core.exceptions import PermissionDenied

from governance import incidents, mail, raci
from governance.incidents import check_ticket_may_close, ticket_may_close

__all__ = [
    "check_may_confirm_closure",
    "check_ticket_may_close",
    "public_update_added",
    "sla_alert_recorded",
    "status_changed",
    "ticket_may_close",
    "ticket_saved",
]


def check_may_confirm_closure(person, ticket) -> None:
    """Raise PermissionDenied unless the RACI row "Confirming closure" lets
    `person`'s party do it for the ticket's client (the customer by default)."""
    if not raci.may_act(person, raci.Code.CONFIRM_CLOSURE, ticket.client):
        raise PermissionDenied(
            "Only the party responsible for confirming closure may confirm that "
            "this ticket is fixed."
        )


def ticket_saved(ticket) -> None:
    incidents.ensure_incident_report(ticket)


def public_update_added(update) -> None:
    mail.public_reply(update)


def status_changed(ticket, event_id: int, old: str, new: str, actor=None) -> None:
    mail.status_changed(ticket, event_id, old, new, actor=actor)


def sla_alert_recorded(alert) -> None:
    mail.sla_event(alert)
