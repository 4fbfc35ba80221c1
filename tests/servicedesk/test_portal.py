"""Portal pages: bad input, escaping, internal notes, files and roles."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from servicedesk import services
from servicedesk.choices import Category, Level, Status
from servicedesk.models import Attachment, Ticket, TicketUpdate
from tests.servicedesk.conftest import png_file, text_file

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def form_data(**changes):
    data = {
        "category": Category.QUESTION,
        "subject": "Which chain do we install?",
        "description": "For the shop.",
        "impact": Level.LOW,
        "urgency": Level.LOW,
    }
    data.update(changes)
    return data


def post_ticket(http, **changes):
    return http.post(reverse("servicedesk:ticket_create"), form_data(**changes))


def field_errors(response, name):
    return response.context["form"].errors.get(name, [])


@pytest.fixture
def signed_in(client, client_user_a):
    client.force_login(client_user_a)
    return client


@pytest.fixture
def ticket(client_a, client_user_a):
    return services.open_ticket(
        client_a,
        client_user_a,
        Category.QUESTION,
        "A question",
        "Details.",
    )


def test_raise_empty_subject(signed_in):
    response = post_ticket(signed_in, subject="   ")
    assert field_errors(response, "subject") == [
        "The subject is empty. Write at least one word."
    ]
    assert not Ticket.objects.exists()


def test_raise_oversize_description(signed_in):
    response = post_ticket(signed_in, description="x" * 20_001)
    assert field_errors(response, "description") == [
        "The description has 20001 characters, more than the maximum of 20000. "
        "Shorten it or attach the rest as a text file."
    ]
    assert not Ticket.objects.exists()


def test_raise_oversize_subject(signed_in):
    response = post_ticket(signed_in, subject="s" * 201)
    assert field_errors(response, "subject") == [
        "The subject has 201 characters, more than the maximum of 200. "
        "Shorten it or attach the rest as a text file."
    ]


def test_raise_bad_choice(signed_in):
    response = post_ticket(signed_in, impact="huge")
    assert field_errors(response, "impact") == [
        "Select a valid choice. huge is not one of the available choices."
    ]


def test_raise_disallowed_file_type(signed_in):
    upload = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="text/plain")
    response = post_ticket(signed_in, attachment=upload)
    assert field_errors(response, "attachment") == [
        "'run.exe' is not an allowed file type. Attach one of: .cer, .crt, .csr, "
        ".csv, .jpeg, .jpg, .log, .pdf, .pem, .png, .txt."
    ]
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_raise_file_content_mismatch(signed_in):
    upload = SimpleUploadedFile("report.pdf", b"<html><script></script></html>")
    response = post_ticket(signed_in, attachment=upload)
    assert field_errors(response, "attachment") == [
        "The content of 'report.pdf' does not match its .pdf extension. "
        "Attach the original file, or rename it with the right extension."
    ]
    assert not Ticket.objects.exists()


def test_raise_oversize_file(signed_in, settings):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.txt", b"a" * 2048)
    response = post_ticket(signed_in, attachment=upload)
    assert field_errors(response, "attachment") == [
        "'big.txt' is 2.0\xa0KB, larger than the limit of 1.0\xa0KB. "
        "Compress it or attach a smaller extract."
    ]


def test_raise_with_files(signed_in):
    response = post_ticket(signed_in, attachment=png_file())
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    attachment = ticket.attachments.get()
    assert attachment.content_type == "image/png"
    download = signed_in.get(
        reverse("servicedesk:attachment_download", args=[attachment.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_script_escaped_on_pages(signed_in, ticket, client_user_a):
    services.add_update(ticket, client_user_a, SCRIPT)
    post_ticket(signed_in, subject=SCRIPT)
    pages = [
        reverse("servicedesk:ticket_detail", args=[ticket.pk]),
        reverse("servicedesk:ticket_list"),
        reverse("dashboard"),
    ]
    for url in pages:
        html = signed_in.get(url).content.decode()
        assert SCRIPT not in html, url
    detail = signed_in.get(reverse("servicedesk:ticket_detail", args=[ticket.pk]))
    assert ESCAPED in detail.content.decode()


def test_script_escaped_in_admin(client, analyst, ticket, client_user_a):
    services.add_update(ticket, client_user_a, SCRIPT)
    Ticket.objects.filter(pk=ticket.pk).update(subject=SCRIPT)
    client.force_login(analyst)
    for url in (
        reverse("admin:servicedesk_ticket_changelist"),
        reverse("admin:servicedesk_ticket_change", args=[ticket.pk]),
    ):
        html = client.get(url).content.decode()
        assert SCRIPT not in html, url
        assert "&lt;script&gt;" in html, url


def test_script_escaped_in_email(ticket, analyst):
    services.add_update(ticket, analyst, SCRIPT)
    message = mail.outbox[-1]
    html = message.alternatives[0][0]
    assert SCRIPT not in html
    assert ESCAPED in html
    # The plain-text part is text, shown as such by mail clients.
    assert SCRIPT in message.body


def test_internal_note_hidden_from_client(signed_in, ticket, analyst):
    services.add_update(ticket, analyst, "Client looks confused", internal=True)
    mail.outbox.clear()
    services.add_update(ticket, analyst, "Secret note two", internal=True)
    html = signed_in.get(
        reverse("servicedesk:ticket_detail", args=[ticket.pk])
    ).content.decode()
    assert "Client looks confused" not in html
    assert "Internal note" not in html
    assert mail.outbox == []


def test_internal_note_file_hidden(signed_in, ticket, analyst):
    note = services.add_update(
        ticket, analyst, "Proxy log", internal=True, attachments=[text_file()]
    )
    attachment = note.attachments.get()
    response = signed_in.get(
        reverse("servicedesk:attachment_download", args=[attachment.pk])
    )
    assert response.status_code == 404


def test_client_cannot_write_note(signed_in, ticket):
    response = signed_in.post(
        reverse("servicedesk:ticket_reply", args=[ticket.pk]),
        {"body": "Pretend note", "internal": "on"},
    )
    assert response.status_code == 302
    update = TicketUpdate.objects.get(body="Pretend note")
    # The checkbox is not on the client's form, so the reply is public.
    assert update.is_public


def test_reply_empty_rejected(signed_in, ticket):
    response = signed_in.post(
        reverse("servicedesk:ticket_reply", args=[ticket.pk]), {"body": " "}
    )
    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"] == [
        "The body is empty. Write at least one word."
    ]


def test_reply_closed_ticket_rejected(signed_in, ticket, analyst, client_user_a):
    services.resolve(ticket, analyst, "Answered.")
    services.confirm_closure(ticket, client_user_a)
    response = signed_in.post(
        reverse("servicedesk:ticket_reply", args=[ticket.pk]), {"body": "One more"}
    )
    assert response.context["reply_form"].errors["body"] == [
        f"Ticket {ticket.reference} is closed, so it takes no more replies. "
        "Raise a new ticket and mention this one."
    ]


def test_confirm_by_analyst_forbidden(client, ticket, analyst):
    services.resolve(ticket, analyst, "Answered.")
    client.force_login(analyst)
    response = client.post(reverse("servicedesk:ticket_confirm", args=[ticket.pk]))
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_confirm_unresolved_rejected(signed_in, ticket):
    response = signed_in.post(
        reverse("servicedesk:ticket_confirm", args=[ticket.pk]), follow=True
    )
    assert (
        f"Ticket {ticket.reference} is new, not resolved, so it cannot be closed yet."
        in response.content.decode()
    )


def test_reopen_needs_reason(signed_in, ticket, analyst):
    services.resolve(ticket, analyst, "Answered.")
    response = signed_in.post(
        reverse("servicedesk:ticket_reopen", args=[ticket.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    assert response.context["reopen_form"].errors["reason"] == [
        "The reason is empty. Write at least one word."
    ]


def test_analyst_cannot_raise_in_portal(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("servicedesk:ticket_create")).status_code == 403


def test_menu_for_client_roles(signed_in):
    html = signed_in.get(reverse("dashboard")).content.decode()
    assert reverse("servicedesk:ticket_list") in html
    assert reverse("servicedesk:ticket_create") in html
    assert "My open tickets" in html


def test_queue_panel_for_analysts(client, analyst, ticket):
    client.force_login(analyst)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Ticket queue" in html
    assert "New: 1" in html


def test_list_query_count(
    signed_in, client_a, client_user_a, django_assert_max_num_queries
):
    def count_for(total):
        Ticket.objects.all().delete()
        for number in range(total):
            services.open_ticket(
                client_a, client_user_a, Category.OTHER, f"Ticket {number}", "Text."
            )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = signed_in.get(reverse("servicedesk:ticket_list"))
        assert response.status_code == 200
        return len(queries)

    assert count_for(10) == count_for(60)
