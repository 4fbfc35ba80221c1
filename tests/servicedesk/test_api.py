"""The service desk API: same checks and messages as the portal, roles, notes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from servicedesk import services
from servicedesk.choices import Category, Level, Priority, Status
from servicedesk.models import Ticket, TicketUpdate
from tests.servicedesk.conftest import text_file

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"


def api_for(person) -> APIClient:
    http = APIClient()
    http.force_authenticate(person)
    return http


@pytest.fixture
def ticket(client_a, client_user_a):
    return services.open_ticket(
        client_a, client_user_a, Category.QUESTION, "A question", "Details."
    )


def test_create_ticket(client_user_a):
    response = api_for(client_user_a).post(
        "/api/v1/tickets/",
        {
            "category": Category.INCIDENT,
            "subject": "Shop down",
            "description": "All pages fail.",
            "impact": Level.HIGH,
            "urgency": Level.HIGH,
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["priority"] == Priority.P1
    assert response.json()["awaits_call"] is True


def test_create_empty_subject(client_user_a):
    response = api_for(client_user_a).post(
        "/api/v1/tickets/",
        {"category": Category.QUESTION, "subject": "", "description": "Text."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "subject": ["The subject is empty. Write at least one word."]
    }
    assert not Ticket.objects.exists()


def test_create_oversize_description(client_user_a):
    response = api_for(client_user_a).post(
        "/api/v1/tickets/",
        {"category": Category.QUESTION, "subject": "S", "description": "x" * 20_001},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["description"] == [
        "The description has 20001 characters, more than the maximum of 20000. "
        "Shorten it or attach the rest as a text file."
    ]


def test_create_other_client_certificate(client_user_a, client_b):
    from tests.certificates_factories import make_certificate

    certificate = make_certificate(client_b, common_name="shop.bravo.test")
    response = api_for(client_user_a).post(
        "/api/v1/tickets/",
        {
            "category": Category.RENEWAL,
            "subject": "Renew",
            "description": "Please.",
            "certificate": certificate.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "certificate" in response.json()["error"]["fields"]
    assert not Ticket.objects.exists()


def test_script_returned_as_text(client_user_a, ticket):
    services.add_update(ticket, client_user_a, SCRIPT)
    response = api_for(client_user_a).get(f"/api/v1/ticket-updates/?ticket={ticket.pk}")
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["body"] == SCRIPT


def test_analyst_cannot_raise(analyst):
    response = api_for(analyst).post(
        "/api/v1/tickets/",
        {"category": Category.QUESTION, "subject": "S", "description": "D"},
        format="json",
    )
    assert response.status_code == 403


def test_client_cannot_triage(client_user_a, ticket):
    response = api_for(client_user_a).post(
        f"/api/v1/tickets/{ticket.pk}/triage/",
        {"version": ticket.version, "priority": Priority.P1},
        format="json",
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P3


def test_client_cannot_resolve(client_user_a, ticket):
    response = api_for(client_user_a).post(
        f"/api/v1/tickets/{ticket.pk}/resolve/", {"text": "Done"}, format="json"
    )
    assert response.status_code == 403


def test_client_cannot_write_note(client_user_a, ticket):
    response = api_for(client_user_a).post(
        "/api/v1/ticket-updates/",
        {"ticket": ticket.pk, "body": "Hidden?", "internal": True},
        format="json",
    )
    assert response.status_code == 403
    assert not TicketUpdate.objects.exists()


def test_notes_hidden_from_client(client_user_a, analyst, ticket):
    services.add_update(ticket, analyst, "Internal remark", internal=True)
    services.add_update(ticket, analyst, "Public answer")
    client_view = api_for(client_user_a).get("/api/v1/ticket-updates/").json()
    analyst_view = api_for(analyst).get("/api/v1/ticket-updates/").json()
    assert [row["body"] for row in client_view["results"]] == ["Public answer"]
    assert len(analyst_view["results"]) == 2


def test_stale_triage_rejected(analyst, administrator, ticket):
    version = ticket.version
    first = api_for(administrator).post(
        f"/api/v1/tickets/{ticket.pk}/triage/",
        {"version": version, "category": Category.RENEWAL},
        format="json",
    )
    assert first.status_code == 200
    second = api_for(analyst).post(
        f"/api/v1/tickets/{ticket.pk}/triage/",
        {"version": version, "category": Category.INSTALLATION},
        format="json",
    )
    assert second.status_code == 400
    ticket.refresh_from_db()
    assert second.json()["error"]["fields"]["non_field_errors"] == [
        f"Ticket {ticket.reference} was changed by ada.admin after you opened it "
        f"(your version {version}, now {ticket.version}). Your input is kept below: "
        "reload the ticket, check the change, then apply yours again."
    ]
    assert ticket.category == Category.RENEWAL


def test_override_without_reason(analyst, ticket):
    response = api_for(analyst).post(
        f"/api/v1/tickets/{ticket.pk}/triage/",
        {"version": ticket.version, "priority": Priority.P1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["priority_override_reason"] == [
        "The matrix gives P3 for medium impact and medium urgency. "
        "Give a reason to set P1 instead."
    ]


def test_request_information_and_reply(analyst, client_user_a, ticket):
    response = api_for(analyst).post(
        f"/api/v1/tickets/{ticket.pk}/request-information/",
        {"text": "Which host?"},
        format="json",
    )
    assert response.json()["status"] == Status.AWAITING_CUSTOMER
    api_for(client_user_a).post(
        "/api/v1/ticket-updates/",
        {"ticket": ticket.pk, "body": "shop.example.com"},
        format="json",
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_upload_attachment(client_user_a, ticket):
    response = api_for(client_user_a).post(
        "/api/v1/ticket-attachments/",
        {"ticket": ticket.pk, "attachment": text_file()},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["content_type"] == "text/plain"
    download = api_for(client_user_a).get(
        f"/api/v1/ticket-attachments/{response.json()['id']}/download/"
    )
    assert b"".join(download.streaming_content) == b"line one\nline two\n"


def test_upload_disallowed_type(client_user_a, ticket):
    upload = SimpleUploadedFile("page.html", b"<html></html>")
    response = api_for(client_user_a).post(
        "/api/v1/ticket-attachments/",
        {"ticket": ticket.pk, "attachment": upload},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["attachment"] == [
        "'page.html' is not an allowed file type. Attach one of: .cer, .crt, .csr, "
        ".csv, .jpeg, .jpg, .log, .pdf, .pem, .png, .txt."
    ]
    assert not TicketUpdate.objects.exists()


def test_other_client_ticket_reply(client_user_b, ticket):
    response = api_for(client_user_b).post(
        "/api/v1/ticket-updates/",
        {"ticket": ticket.pk, "body": "Hello"},
        format="json",
    )
    assert response.status_code == 400
    assert not TicketUpdate.objects.exists()


def test_schema_lists_endpoints(client, analyst):
    client.force_login(analyst)
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/tickets/",
        "/api/v1/ticket-updates/",
        "/api/v1/ticket-attachments/",
    ):
        assert path in schema


def test_list_query_count(client_user_a, client_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = api_for(client_user_a)

    def count(total):
        Ticket.objects.all().delete()
        for number in range(total):
            services.open_ticket(
                client_a, client_user_a, Category.OTHER, f"T{number}", "D"
            )
        with CaptureQueriesContext(connection) as queries:
            assert http.get("/api/v1/tickets/").status_code == 200
        return len(queries)

    assert count(10) == count(40)
