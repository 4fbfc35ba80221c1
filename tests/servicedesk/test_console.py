"""The L1 console in the admin: queue, badges, filters, actions, stale edits."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk import services
from servicedesk.choices import Category, Level, Priority, Status
from servicedesk.models import SlaAlert, Ticket
from tests.servicedesk.admin_forms import change_form_data

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:servicedesk_ticket_changelist"


def open_tickets(client, person, total, **fields):
    return [
        services.open_ticket(
            client,
            person,
            fields.get("category", Category.QUESTION),
            f"Question {number}",
            "Details.",
            fields.get("impact", Level.MEDIUM),
            fields.get("urgency", Level.MEDIUM),
        )
        for number in range(total)
    ]


def changelist_queries(http, query="") -> int:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(reverse(CHANGELIST) + query)
    assert response.status_code == 200
    return len(queries)


def test_queue_queries_constant(
    client, analyst, client_a, client_user_a, client_b, client_user_b
):
    client.force_login(analyst)
    open_tickets(client_a, client_user_a, 5, impact=Level.HIGH, urgency=Level.HIGH)
    open_tickets(client_b, client_user_b, 5)
    small = changelist_queries(client)
    small_filtered = changelist_queries(client, "?breached=yes&at_risk=yes")
    open_tickets(client_a, client_user_a, 45, impact=Level.HIGH, urgency=Level.HIGH)
    open_tickets(client_b, client_user_b, 45)
    assert changelist_queries(client) == small
    assert changelist_queries(client, "?breached=yes&at_risk=yes") == small_filtered


def test_queue_sorted_by_due(client, analyst, client_a, client_user_a):
    low = open_tickets(client_a, client_user_a, 1, impact=Level.LOW, urgency=Level.LOW)[
        0
    ]
    high = open_tickets(
        client_a, client_user_a, 1, impact=Level.HIGH, urgency=Level.HIGH
    )[0]
    client.force_login(analyst)
    response = client.get(reverse(CHANGELIST))
    shown = list(response.context["cl"].result_list)
    assert shown.index(high) < shown.index(low)


def test_badges(client, analyst, client_a, client_user_a):
    breached, soon, paused = open_tickets(client_a, client_user_a, 3)
    now = timezone.now()
    Ticket.objects.filter(pk=breached.pk).update(due_at=now - timedelta(minutes=5))
    Ticket.objects.filter(pk=soon.pk).update(due_at=now + timedelta(minutes=30))
    services.request_information(paused, analyst, "Which host?")
    client.force_login(analyst)
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert "breached" in html
    assert "due within an hour" in html
    assert "paused" in html


def test_filters(client, analyst, client_a, client_user_a):
    breached, soon, calm = open_tickets(client_a, client_user_a, 3)
    now = timezone.now()
    Ticket.objects.filter(pk=breached.pk).update(due_at=now - timedelta(minutes=5))
    Ticket.objects.filter(pk=soon.pk).update(due_at=now + timedelta(minutes=30))
    Ticket.objects.filter(pk=calm.pk).update(due_at=now + timedelta(days=3))
    SlaAlert.objects.create(
        ticket=calm,
        target="first_response",
        threshold=100,
        crossed_at=now,
        recorded_at=now,
    )
    client.force_login(analyst)

    def shown(query):
        response = client.get(reverse(CHANGELIST) + query)
        return set(response.context["cl"].result_list)

    assert shown("?breached=yes") == {breached, calm}
    assert shown("?at_risk=yes") == {soon}
    assert shown(f"?status__exact={Status.NEW}") == {breached, soon, calm}
    assert shown(f"?priority__exact={Priority.P3}") == {breached, soon, calm}
    assert shown(f"?q=T-{soon.pk:06d}") == {soon}


def test_assign_to_me(client, analyst, client_a, client_user_a):
    tickets = open_tickets(client_a, client_user_a, 2)
    client.force_login(analyst)
    client.post(
        reverse(CHANGELIST),
        {"action": "assign_to_me", "_selected_action": [t.pk for t in tickets]},
    )
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {analyst.pk}
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.TRIAGED}


def test_set_classification(client, analyst, client_a, client_user_a):
    ticket = open_tickets(client_a, client_user_a, 1)[0]
    client.force_login(analyst)
    form = client.post(
        reverse(CHANGELIST),
        {"action": "set_classification", "_selected_action": [ticket.pk]},
    )
    assert form.status_code == 200
    assert b"Set category, impact and urgency" in form.content
    client.post(
        reverse(CHANGELIST),
        {
            "action": "set_classification",
            "_selected_action": [ticket.pk],
            "apply": "1",
            "category": Category.RENEWAL,
            "impact": Level.HIGH,
            "urgency": Level.HIGH,
        },
    )
    ticket.refresh_from_db()
    assert ticket.category == Category.RENEWAL
    assert ticket.priority == Priority.P1
    assert ticket.events.filter(field="priority").exists()


def test_resolve_empty_text_reported(client, analyst, client_a, client_user_a):
    ticket = open_tickets(client_a, client_user_a, 1)[0]
    client.force_login(analyst)
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "resolve",
            "_selected_action": [ticket.pk],
            "apply": "1",
            "text": "",
        },
        follow=True,
    )
    assert (
        f"{ticket.reference}: The resolution is empty. Write at least one word."
        in response.content.decode()
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_sdm_cannot_act(client, sdm_a, client_a, client_user_a):
    ticket = open_tickets(client_a, client_user_a, 1)[0]
    client.force_login(sdm_a)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    client.post(
        reverse(CHANGELIST), {"action": "assign_to_me", "_selected_action": [ticket.pk]}
    )
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_override_needs_reason(client, analyst, client_a, client_user_a):
    ticket = open_tickets(client_a, client_user_a, 1)[0]
    url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    client.force_login(analyst)
    data = change_form_data(client.get(url), priority=Priority.P1)
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["priority_override_reason"] == [
        "The matrix gives P3 for medium impact and medium urgency. "
        "Give a reason to set P1 instead."
    ]
    data["priority_override_reason"] = "Payment page of the shop."
    assert client.post(url, data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P1
    assert ticket.priority_override_reason == "Payment page of the shop."
    event = ticket.events.get(field="priority")
    assert event.reason == "Payment page of the shop."


def test_stale_edit_rejected(client, analyst, administrator, client_a, client_user_a):
    ticket = open_tickets(client_a, client_user_a, 1)[0]
    url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    client.force_login(analyst)
    first = change_form_data(client.get(url), category=Category.RENEWAL)
    client.force_login(administrator)
    second = change_form_data(client.get(url), category=Category.INSTALLATION)
    assert client.post(url, second).status_code == 302

    client.force_login(analyst)
    response = client.post(url, first)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert response.context["adminform"].form.non_field_errors() == [
        f"Ticket {ticket.reference} was changed by ada.admin after you opened it "
        f"(your version 1, now {ticket.version}). Your input is kept below: reload "
        "the ticket, check the change, then apply yours again."
    ]
    # Nothing lost: the second edit stays, the first is still in the form.
    assert ticket.category == Category.INSTALLATION
    assert response.context["adminform"].form["category"].value() == Category.RENEWAL


def test_reply_inline_and_note(client, analyst, client_a, client_user_a):
    ticket = open_tickets(client_a, client_user_a, 1)[0]
    url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    client.force_login(analyst)
    page = client.get(url)
    data = change_form_data(
        page, **{"updates-2-0-kind": "note", "updates-2-0-body": "Check the proxy."}
    )
    response = client.post(url, data)
    assert response.status_code == 302
    note = ticket.updates.get()
    assert note.kind == "note"
    assert note.author == analyst
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None


def test_watcher_of_other_client_rejected(
    client, analyst, client_a, client_user_a, client_user_b
):
    ticket = open_tickets(client_a, client_user_a, 1)[0]
    url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    client.force_login(analyst)
    data = change_form_data(client.get(url), watchers=[str(client_user_b.pk)])
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["watchers"] == [
        "bob.user work for another client and cannot watch a ticket of "
        "Alpha Retail Ltd. Remove them from the watchers."
    ]
    assert not ticket.watchers.exists()


def test_watcher_added_with_history(
    client, analyst, client_a, client_user_a, client_admin_a
):
    ticket = open_tickets(client_a, client_user_a, 1)[0]
    url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    client.force_login(analyst)
    data = change_form_data(client.get(url), watchers=[str(client_admin_a.pk)])
    assert client.post(url, data).status_code == 302
    assert list(ticket.watchers.all()) == [client_admin_a]
    event = ticket.events.get(field="watchers")
    assert event.new_value == "amy.admin"


def test_closed_day_in_admin_recomputes(client, administrator, client_a, client_user_a):
    from servicedesk.calendars import calendar_for_client

    ticket = open_tickets(client_a, client_user_a, 1)[0]
    calendar = calendar_for_client(client_a)
    before = ticket.response_due_at
    url = reverse("admin:servicedesk_businesscalendar_change", args=[calendar.pk])
    client.force_login(administrator)
    page = client.get(url)
    due_day = timezone.localtime(before, client_a.zone).date()
    data = change_form_data(
        page,
        **{
            "closed_days-TOTAL_FORMS": "1",
            "closed_days-0-date": due_day.isoformat(),
            "closed_days-0-reason": "Office move",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.response_due_at > before


def test_certificate_of_other_client_rejected(
    client, analyst, client_a, client_user_a, client_b
):
    from tests.certificates_factories import make_certificate

    ticket = open_tickets(client_a, client_user_a, 1)[0]
    certificate = make_certificate(client_b, common_name="shop.bravo.test")
    url = reverse("admin:servicedesk_ticket_change", args=[ticket.pk])
    client.force_login(analyst)
    data = change_form_data(client.get(url), certificate=str(certificate.pk))
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["certificate"] == [
        "The certificate belongs to another client. Choose one of this client's."
    ]
    ticket.refresh_from_db()
    assert ticket.certificate is None
