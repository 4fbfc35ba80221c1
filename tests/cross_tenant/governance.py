"""Cross-tenant cases for the governance app: RACI overrides, change requests,
incident reports and the inbound email log."""

from governance.choices import InboundOutcome
from governance.models import Activity, ActivityOverride, InboundEmail
from tests.governance.factories import make_change, make_report, make_ticket


def build(client, client_admin) -> dict:
    ticket = make_ticket(client, client_admin, subject="Bravo secret ticket")
    change = make_change(client, client_admin, title="Bravo secret change")
    report = make_report(client, ticket=None, published=True, title="Bravo outage")
    override = ActivityOverride.objects.create(
        client=client,
        activity=Activity.objects.get(code="review_meetings"),
        provider="RA",
        customer="CI",
    )
    inbound = InboundEmail.objects.create(
        message_id="<bravo-1@example.net>",
        sender=client_admin.email,
        subject="Bravo mail",
        outcome=InboundOutcome.IGNORED,
        client=client,
    )
    return {
        "change_request": change,
        "incident_report": report,
        "raci_override": override,
        "inbound_email": inbound,
        "governance_ticket": ticket,
    }


URLS = {
    "governance:change_detail": lambda o: {"pk": o["change_request"].pk},
    "governance:change_edit": lambda o: {"pk": o["change_request"].pk},
    "governance:change_transition": lambda o: {"pk": o["change_request"].pk},
    "governance:report_detail": lambda o: {"pk": o["incident_report"].pk},
    "governance:report_pdf": lambda o: {"pk": o["incident_report"].pk},
    "api:change-request-detail": lambda o: {"pk": o["change_request"].pk},
    "api:change-request-transition": lambda o: {"pk": o["change_request"].pk},
    "api:incident-report-detail": lambda o: {"pk": o["incident_report"].pk},
    "api:incident-report-pdf": lambda o: {"pk": o["incident_report"].pk},
}
