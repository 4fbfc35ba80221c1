"""The service desk's workflow follows the governance rules: P1 incident reports,
the RACI row for confirming closure, and emails to the requester."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from governance.models import Activity, ActivityOverride, IncidentReport
from governance.raci import Code
from servicedesk import services
from servicedesk.choices import Level, Status
from tests.governance.factories import make_report, make_ticket


@pytest.fixture
def p1_resolved(client_user_a, analyst):
    ticket = make_ticket(client_user_a.client, client_user_a, Level.HIGH, Level.HIGH)
    return services.resolve(ticket, analyst, "Installed the full chain again.")


def test_p1_opens_draft_report(client_user_a):
    ticket = make_ticket(client_user_a.client, client_user_a, Level.HIGH, Level.HIGH)
    report = IncidentReport.objects.get(ticket=ticket)
    assert report.client == ticket.client
    assert report.state == "draft"


def test_raised_priority_opens_report(client_user_a, analyst):
    ticket = make_ticket(client_user_a.client, client_user_a)
    assert not IncidentReport.objects.exists()
    services.triage(
        ticket, analyst, expected_version=None, impact=Level.HIGH, urgency=Level.HIGH
    )
    assert IncidentReport.objects.filter(ticket=ticket).count() == 1


def test_p1_closure_waits_for_report(p1_resolved, client_user_a):
    with pytest.raises(ValidationError) as caught:
        services.confirm_closure(p1_resolved, client_user_a)
    assert caught.value.messages == [
        f"P1 ticket {p1_resolved.reference} cannot close until its incident report "
        "is published. Publish the report first."
    ]
    p1_resolved.refresh_from_db()
    assert p1_resolved.status == Status.RESOLVED


def test_p1_closes_after_publishing(p1_resolved, client_user_a):
    make_report(p1_resolved.client, ticket=p1_resolved, published=True)
    closed = services.confirm_closure(p1_resolved, client_user_a)
    assert closed.status == Status.CLOSED


def test_closure_follows_raci_row(client_user_a, client_a, analyst):
    ticket = make_ticket(client_a, client_user_a)
    ticket = services.resolve(ticket, analyst, "Renewed and installed.")
    ActivityOverride.objects.create(
        client=client_a,
        activity=Activity.objects.get(code=Code.CONFIRM_CLOSURE),
        provider="RA",
        customer="I",
    )
    with pytest.raises(PermissionDenied):
        services.confirm_closure(ticket, client_user_a)
    closed = services.confirm_closure(ticket, analyst)
    assert closed.status == Status.CLOSED


def test_status_change_emails_requester(
    client_user_a, analyst, django_capture_on_commit_callbacks
):
    ticket = make_ticket(client_user_a.client, client_user_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.triage(ticket, analyst, expected_version=None, impact=Level.LOW)
    recipients = [message.to for message in mail.outbox]
    assert [client_user_a.email] in recipients
    bodies = " ".join(message.body for message in mail.outbox)
    assert "Status changed from New to Triaged" in bodies
