import pytest
from django.core import mail as outbox
from django.utils import timezone

from governance import hooks, mail
from governance.models import Activity, OutgoingEmail
from servicedesk import services
from servicedesk.choices import TargetKind
from servicedesk.models import SlaAlert
from tests.conftest import make_person
from tests.governance.factories import make_ticket

pytestmark = pytest.mark.django_db


def add_update(ticket, author, body, **options):
    """Add an update through the service desk, then forget the email the
    service desk sent itself, so each test checks only governance's email."""
    update = services.add_update(ticket, author, body, **options)
    outbox.outbox.clear()
    return update


@pytest.fixture
def ticket(client_user_a, client_admin_a):
    ticket = make_ticket(
        client_user_a.client, client_user_a, subject="Renew <shop> & co"
    )
    ticket.watchers.add(client_admin_a)
    return ticket


def test_reply_email_reaches_requester_and_watchers(ticket, analyst):
    update = add_update(ticket, analyst, "Installed.\n<b>Check</b> it.")

    row = hooks.public_update_added(update) or OutgoingEmail.objects.get()

    message = outbox.outbox[0]
    assert message.to == ["amy.admin@example.com", "ann.user@example.com"]
    assert message.subject == f"[{ticket.reference}] Renew <shop> & co"
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.extra_headers["References"] == mail.thread_root_id(ticket)
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.reply_to == ["desk@example.com"]


def test_reply_email_escapes_html(ticket, analyst):
    update = add_update(ticket, analyst, "<script>alert(1)</script>")

    mail.public_reply(update)

    message = outbox.outbox[0]
    html = message.alternatives[0][0]
    assert "<script>alert(1)</script>" in message.body
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Renew &lt;shop&gt; &amp; co" in html


def test_reply_email_links_to_ticket(ticket, analyst):
    update = add_update(ticket, analyst, "Installed.")

    mail.public_reply(update)

    body = outbox.outbox[0].body
    assert f"http://127.0.0.1:8000/tickets/{ticket.pk}/" in body
    assert "you will be asked to sign in" in body


def test_internal_note_sends_nothing(ticket, analyst):
    update = add_update(ticket, analyst, "Customer is slow.", internal=True)

    mail.public_reply(update)

    assert outbox.outbox == []


def test_author_not_emailed(ticket, client_user_a):
    update = add_update(ticket, client_user_a, "Any news?")

    mail.public_reply(update)

    assert outbox.outbox[0].to == ["amy.admin@example.com"]


def test_same_event_sent_once(ticket, analyst):
    update = add_update(ticket, analyst, "Installed.")

    first = mail.public_reply(update)
    second = mail.public_reply(update)

    assert first is not None
    assert second is None
    assert len(outbox.outbox) == 1


def test_other_client_watcher_left_out(ticket, analyst, client_user_b):
    ticket.watchers.add(client_user_b)
    update = add_update(ticket, analyst, "Installed.")

    mail.public_reply(update)

    assert "bob.user@example.com" not in outbox.outbox[0].to


def test_raci_row_decides_customer_emails(ticket, analyst):
    watcher = make_person("pat.analyst", "l1_analyst")
    ticket.watchers.add(watcher)
    Activity.objects.filter(code="ticket_updates").update(customer="", provider="RAI")
    update = add_update(ticket, analyst, "Installed.")

    mail.public_reply(update)

    assert outbox.outbox[0].to == ["pat.analyst@example.com"]


def test_status_change_email(ticket, analyst):
    mail.status_changed(ticket, 77, "new", "resolved", actor=analyst)

    assert "Status changed from New to Resolved" in outbox.outbox[0].body
    assert OutgoingEmail.objects.get().event_key == "status:77"


def test_sla_breach_email(ticket):
    now = timezone.now()
    warning = SlaAlert.objects.create(
        ticket=ticket,
        target=TargetKind.RESOLUTION,
        threshold=90,
        crossed_at=now,
        recorded_at=now,
    )
    breach = SlaAlert.objects.create(
        ticket=ticket,
        target=TargetKind.RESOLUTION,
        threshold=100,
        crossed_at=now,
        recorded_at=now,
    )

    hooks.sla_alert_recorded(warning)
    hooks.sla_alert_recorded(breach)

    assert len(outbox.outbox) == 1
    assert "The resolution target was missed" in outbox.outbox[0].body
