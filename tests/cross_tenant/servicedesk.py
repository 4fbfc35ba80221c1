"""Cross-tenant cases for the service desk: tickets, updates, files, SLA rows."""

from django.utils import timezone

from servicedesk import services
from servicedesk.calendars import calendar_for_client
from servicedesk.choices import Category, Level, TargetKind
from servicedesk.models import Attachment, SlaAlert, SlaResult, SlaTarget


def build(client, client_admin) -> dict:
    now = timezone.now()
    ticket = services.open_ticket(
        client,
        client_admin,
        Category.INCIDENT,
        "Bravo shop certificate expired",
        "The shop shows a warning.",
        Level.HIGH,
        Level.MEDIUM,
    )
    update = services.add_update(ticket, client_admin, "More detail from Bravo.")
    # A row without a stored file is enough: the tenancy check comes first.
    attachment = Attachment.objects.create(
        ticket=ticket,
        update=update,
        file="servicedesk/cross-tenant.txt",
        original_name="bravo.txt",
        size=10,
        content_type="text/plain",
        uploaded_by=client_admin,
    )
    target = SlaTarget.objects.create(
        client=client,
        priority=ticket.priority,
        kind=TargetKind.FIRST_RESPONSE,
        minutes=60,
        measure="business",
    )
    alert = SlaAlert.objects.create(
        ticket=ticket,
        target=TargetKind.FIRST_RESPONSE,
        threshold=50,
        crossed_at=now,
        recorded_at=now,
    )
    result = SlaResult.objects.create(
        ticket=ticket,
        target=TargetKind.FIRST_RESPONSE,
        target_minutes=60,
        measure="business",
        elapsed_minutes=10,
        achieved_at=now,
        met=True,
    )
    return {
        "ticket": ticket,
        "ticket_update": update,
        "ticket_attachment": attachment,
        "business_calendar": calendar_for_client(client),
        "sla_target": target,
        "sla_alert": alert,
        "sla_result": result,
    }


def _ticket(objects):
    return {"pk": objects["ticket"].pk}


# URL name -> function(objects) returning the URL's keyword arguments.
URLS: dict = {
    "servicedesk:ticket_detail": _ticket,
    "servicedesk:ticket_reply": _ticket,
    "servicedesk:ticket_confirm": _ticket,
    "servicedesk:ticket_reopen": _ticket,
    "servicedesk:attachment_download": lambda o: {"pk": o["ticket_attachment"].pk},
    "api:ticket-detail": _ticket,
    "api:ticket-triage": _ticket,
    "api:ticket-request-information": _ticket,
    "api:ticket-resolve": _ticket,
    "api:ticket-confirm": _ticket,
    "api:ticket-reopen": _ticket,
    "api:ticket-calls": _ticket,
    "api:ticket-update-detail": lambda o: {"pk": o["ticket_update"].pk},
    "api:ticket-attachment-detail": lambda o: {"pk": o["ticket_attachment"].pk},
    "api:ticket-attachment-download": lambda o: {"pk": o["ticket_attachment"].pk},
}
