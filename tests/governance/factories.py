"""Rows of the governance app for tests, valid unless a keyword overrides a field."""

from datetime import timedelta

from django.utils import timezone

from governance.choices import ChangeType, ReportState
from governance.models import ChangeRequest, IncidentReport, TimelineEntry
from servicedesk import services
from servicedesk.choices import Category, Level


def make_ticket(client, requester, impact=Level.MEDIUM, urgency=Level.MEDIUM, **fields):
    return services.open_ticket(
        client,
        requester,
        fields.pop("category", Category.QUESTION),
        fields.pop("subject", "Certificate on shop.example.com"),
        fields.pop("description", "The certificate expires next week."),
        impact,
        urgency,
        **fields,
    )


def make_change(client, requester=None, **fields) -> ChangeRequest:
    start = timezone.now() + timedelta(days=3)
    values = {
        "title": "Replace the certificate of shop.example.com",
        "change_type": ChangeType.NORMAL,
        "reason": "The certificate expires in 10 days.",
        "risk": "The shop is unreachable for a minute if the reload fails.",
        "implementation_plan": "Install the new chain and reload nginx.",
        "rollback_plan": "Restore the previous chain and reload nginx.",
        "window_start": start,
        "window_end": start + timedelta(hours=2),
    }
    values.update(fields)
    return ChangeRequest.objects.create(client=client, requested_by=requester, **values)


def make_report(client, ticket=None, published=False, **fields) -> IncidentReport:
    values = {
        "title": "Shop unreachable",
        "impact": "The web shop refused TLS connections for 40 minutes.",
        "root_cause": "The renewed certificate was installed without its chain.",
        "mitigation": "The install checklist now verifies the chain with a probe.",
    }
    values.update(fields)
    if published:
        values.update(state=ReportState.PUBLISHED, published_at=timezone.now())
    if ticket is not None:
        # Opening a P1 already created its draft report: fill that one in.
        report, _ = IncidentReport.objects.update_or_create(
            ticket=ticket, defaults={"client": client, **values}
        )
    else:
        report = IncidentReport.objects.create(client=client, **values)
    TimelineEntry.objects.create(
        report=report,
        occurred_at=timezone.now() - timedelta(hours=2),
        description="Monitoring reported handshake failures.",
    )
    return report
