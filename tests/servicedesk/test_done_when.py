"""The whole story in the browser (Django's test client) and the L1 console."""

from datetime import datetime

import pytest
from django.core import mail
from django.urls import reverse

from servicedesk.choices import Category, Level, Priority, Status, TargetKind
from servicedesk.models import PhoneCall, SlaResult, Ticket
from tests.servicedesk.admin_forms import change_form_data, inline_prefix
from tests.servicedesk.conftest import LONDON

pytestmark = pytest.mark.django_db


def raise_in_portal(http, impact, urgency, subject="Shop certificate warning"):
    return http.post(
        reverse("servicedesk:ticket_create"),
        {
            "category": Category.INCIDENT,
            "subject": subject,
            "description": "Browsers warn on https://shop.example.com.",
            "impact": impact,
            "urgency": urgency,
        },
    )


def test_p2_story(client, client_user_a, analyst, clock):
    # 23:00 on Friday 28 May 2027; Monday 31 May is a bank holiday in England.
    client.force_login(client_user_a)
    response = raise_in_portal(client, Level.HIGH, Level.MEDIUM)
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.priority == Priority.P2

    page = client.get(reverse("servicedesk:ticket_detail", args=[ticket.pk]))
    html = page.content.decode()
    assert "Tue 1 Jun 2027 11:00 BST" in html
    assert "Thu 3 Jun 2027 17:00 BST" in html
    assert "Resolved and closed: what is the difference?" in html

    # Tuesday 10:00: the analyst triages in the console.
    clock.set(2027, 6, 1, 10, 0)
    client.force_login(analyst)
    change_url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    form_page = client.get(change_url)
    data = change_form_data(
        form_page, category=Category.INSTALLATION, assignee=str(analyst.pk)
    )
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.category == Category.INSTALLATION
    assert ticket.status == Status.TRIAGED
    assert ticket.assignee == analyst

    # 10:30: the analyst asks a question with the console action.
    clock.set(2027, 6, 1, 10, 30)
    response = client.post(
        reverse("admin:servicedesk_ticket_changelist"),
        {
            "action": "request_information",
            "_selected_action": [ticket.pk],
            "apply": "1",
            "text": "Which load balancer serves the shop?",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_CUSTOMER
    assert ticket.due_at is None

    # Wednesday 12:00: the client answers in the portal; the clock resumes.
    clock.set(2027, 6, 2, 12, 0)
    client.force_login(client_user_a)
    page = client.get(reverse("servicedesk:ticket_detail", args=[ticket.pk]))
    assert "the clock is paused until you reply" in page.content.decode()
    response = client.post(
        reverse("servicedesk:ticket_reply", args=[ticket.pk]),
        {"body": "The one in the London rack."},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    # 1.5 h ran before the pause, 22.5 h remain from Wednesday 12:00.
    assert ticket.resolution_due_at == datetime(2027, 6, 7, 10, 30, tzinfo=LONDON)
    timeline = client.get(reverse("servicedesk:ticket_detail", args=[ticket.pk]))
    assert "Which load balancer serves the shop?" in timeline.content.decode()

    # Thursday 15:00: resolved in the console; the client confirms closure.
    clock.set(2027, 6, 3, 15, 0)
    client.force_login(analyst)
    client.post(
        reverse("admin:servicedesk_ticket_changelist"),
        {
            "action": "resolve",
            "_selected_action": [ticket.pk],
            "apply": "1",
            "text": "Certificate chain fixed on the balancer.",
        },
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED

    clock.set(2027, 6, 3, 16, 0)
    client.force_login(client_user_a)
    response = client.post(reverse("servicedesk:ticket_confirm", args=[ticket.pk]))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED

    response_result = SlaResult.objects.get(
        ticket=ticket, target=TargetKind.FIRST_RESPONSE
    )
    resolution_result = SlaResult.objects.get(
        ticket=ticket, target=TargetKind.RESOLUTION
    )
    assert response_result.met is True
    assert response_result.elapsed_minutes == 90
    assert resolution_result.met is True
    assert resolution_result.elapsed_minutes == 750
    assert len(mail.outbox) >= 2


def test_p1_flagged_until_call(client, client_user_a, analyst, clock):
    clock.set(2027, 6, 1, 9, 0)
    client.force_login(client_user_a)
    raise_in_portal(client, Level.HIGH, Level.HIGH, subject="Shop down")
    ticket = Ticket.objects.get()
    detail = reverse("servicedesk:ticket_detail", args=[ticket.pk])
    html = client.get(detail).content.decode()
    assert "P1: please telephone us now." in html
    assert "+442079460000" in html

    client.force_login(analyst)
    changelist = client.get(reverse("admin:servicedesk_ticket_changelist"))
    assert "P1: call not recorded" in changelist.content.decode()

    clock.set(2027, 6, 1, 9, 20)
    change_url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    form_page = client.get(change_url)
    prefix = inline_prefix(form_page, "phonecall", "phone calls")
    data = change_form_data(
        form_page,
        **{
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-caller_name": "Ann User",
            f"{prefix}-0-called_at_0": "2027-06-01",
            f"{prefix}-0-called_at_1": "08:10:00",  # UTC, the console's zone
            f"{prefix}-0-notes": "Shop down; proxy restarted.",
        },
    )
    response = client.post(change_url, data)
    assert response.status_code == 302, [
        inline.formset.errors for inline in response.context["inline_admin_formsets"]
    ]
    call = PhoneCall.objects.get()
    assert call.recorded_by == analyst
    ticket.refresh_from_db()
    assert ticket.first_responded_at == datetime(2027, 6, 1, 9, 10, tzinfo=LONDON)

    changelist = client.get(reverse("admin:servicedesk_ticket_changelist"))
    assert "P1: call not recorded" not in changelist.content.decode()
    client.force_login(client_user_a)
    assert "P1: please telephone us now." not in client.get(detail).content.decode()
