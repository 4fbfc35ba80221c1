import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance import hooks, incidents
from governance.choices import ReportState
from governance.models import Activity, IncidentReport
from servicedesk.choices import Level
from tests.governance.factories import make_report, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def p1_ticket(client_user_a):
    return make_ticket(client_user_a.client, client_user_a, Level.HIGH, Level.HIGH)


def test_p1_gets_one_draft_report(p1_ticket):
    first = hooks.ticket_saved(p1_ticket)
    hooks.ticket_saved(p1_ticket)

    report = IncidentReport.objects.get()
    assert first is None
    assert report.ticket == p1_ticket
    assert report.state == ReportState.DRAFT
    assert report.title == p1_ticket.subject


def test_p3_gets_no_report(client_user_a):
    ticket = make_ticket(client_user_a.client, client_user_a)

    hooks.ticket_saved(ticket)

    assert not IncidentReport.objects.exists()


def test_p1_may_not_close_unpublished(p1_ticket):
    make_report(p1_ticket.client, ticket=p1_ticket)

    assert not hooks.ticket_may_close(p1_ticket)
    with pytest.raises(ValidationError) as caught:
        hooks.check_ticket_may_close(p1_ticket)
    assert caught.value.messages == [
        f"P1 ticket {p1_ticket.reference} cannot close until its incident report is "
        "published. Publish the report first."
    ]


def test_p1_without_report_may_not_close(p1_ticket):
    assert not incidents.ticket_may_close(p1_ticket)


def test_p1_may_close_once_published(p1_ticket):
    make_report(p1_ticket.client, ticket=p1_ticket, published=True)

    assert incidents.ticket_may_close(p1_ticket)


def test_p3_may_close(client_user_a):
    ticket = make_ticket(client_user_a.client, client_user_a)

    assert incidents.ticket_may_close(ticket)


def test_publish_needs_sections(p1_ticket, sdm_a):
    report = make_report(p1_ticket.client, ticket=p1_ticket, root_cause=" ")

    with pytest.raises(ValidationError) as caught:
        incidents.publish(report.pk, sdm_a)

    assert caught.value.message_dict == {
        "root_cause": ["The root cause is empty. Write it before publishing."]
    }
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT


def test_publish_needs_timeline(p1_ticket, sdm_a):
    report = make_report(p1_ticket.client, ticket=p1_ticket)
    report.timeline.all().delete()

    with pytest.raises(ValidationError) as caught:
        incidents.publish(report.pk, sdm_a)

    assert caught.value.message_dict["timeline"] == [
        "The timeline has no entries. Add at least the start and the end of the "
        "incident before publishing."
    ]


def test_client_cannot_publish(p1_ticket, client_admin_a):
    report = make_report(p1_ticket.client, ticket=p1_ticket)

    with pytest.raises(PermissionDenied):
        incidents.publish(report.pk, client_admin_a)


def test_publish_emails_informed(
    p1_ticket, sdm_a, client_admin_a, django_capture_on_commit_callbacks
):
    report = make_report(p1_ticket.client, ticket=p1_ticket)

    with django_capture_on_commit_callbacks(execute=True):
        incidents.publish(report.pk, sdm_a)

    report.refresh_from_db()
    assert report.state == ReportState.PUBLISHED
    assert report.published_by == sdm_a
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amy.admin@example.com", "ann.user@example.com"]
    assert f"/governance/incidents/{report.pk}/" in mail.outbox[0].body
    assert incidents.ticket_may_close(p1_ticket)


def test_publish_notice_follows_raci(
    p1_ticket, sdm_a, client_admin_a, django_capture_on_commit_callbacks
):
    Activity.objects.filter(code="incident_reports").update(customer="")
    report = make_report(p1_ticket.client, ticket=p1_ticket)

    with django_capture_on_commit_callbacks(execute=True):
        incidents.publish(report.pk, sdm_a)

    assert mail.outbox == []


def test_client_sees_published_only(client, client_user_a):
    draft = make_report(client_user_a.client, title="Draft outage")
    published = make_report(client_user_a.client, published=True, title="Old outage")
    client.force_login(client_user_a)

    listing = client.get(reverse("governance:report_list"))
    hidden = client.get(reverse("governance:report_detail", args=[draft.pk]))
    shown = client.get(reverse("governance:report_detail", args=[published.pk]))
    api = client.get(reverse("api:incident-report-list"))

    assert "Old outage" in listing.text
    assert "Draft outage" not in listing.text
    assert hidden.status_code == 404
    assert shown.status_code == 200
    assert [row["id"] for row in api.json()["results"]] == [published.pk]


def test_provider_sees_draft(client, sdm_a, client_a):
    draft = make_report(client_a, title="Draft outage")
    client.force_login(sdm_a)

    response = client.get(reverse("governance:report_detail", args=[draft.pk]))

    assert response.status_code == 200
    assert "draft, not visible to the client" in response.text


def test_pdf_download(client, client_user_a):
    report = make_report(
        client_user_a.client, published=True, root_cause="<b>chain</b> & <script>"
    )
    client.force_login(client_user_a)

    response = client.get(reverse("governance:report_pdf", args=[report.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == (
        f'attachment; filename="incident-report-{report.pk}.pdf"'
    )


def test_detail_escapes_text(client, client_user_a):
    report = make_report(
        client_user_a.client, published=True, impact="<script>alert(1)</script>"
    )
    client.force_login(client_user_a)

    response = client.get(reverse("governance:report_detail", args=[report.pk]))

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_report_ticket_of_other_client(p1_ticket, client_b):
    report = IncidentReport(client=client_b, ticket=p1_ticket, title="Wrong")

    with pytest.raises(ValidationError) as caught:
        report.full_clean()

    assert caught.value.message_dict["ticket"] == [
        f"Ticket {p1_ticket} belongs to another client. Choose a ticket of the "
        "report's client."
    ]


def test_admin_publish_action(client, administrator, p1_ticket):
    report = make_report(p1_ticket.client, ticket=p1_ticket)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:governance_incidentreport_changelist"),
        {"action": "publish", "_selected_action": [report.pk]},
        follow=True,
    )

    report.refresh_from_db()
    assert response.status_code == 200
    assert report.state == ReportState.PUBLISHED


@pytest.mark.parametrize("rows", [10, 100])
def test_list_query_count(client, client_user_a, rows, django_assert_max_num_queries):
    for number in range(rows):
        make_report(client_user_a.client, published=True, title=f"Outage {number}")
    client.force_login(client_user_a)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("governance:report_list"))

    assert response.status_code == 200
