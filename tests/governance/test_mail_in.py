"""Incoming email, with real RFC 5322 messages as a mail server delivers them."""

import base64
import imaplib
import io
import sys

import pytest
from django.core import mail as outbox
from django.core.management import call_command

from governance import mail, mailbox
from governance.choices import InboundOutcome
from governance.inbound import html_to_text, ingest, strip_quoted
from governance.models import InboundEmail
from servicedesk import services
from servicedesk.choices import UpdateKind
from servicedesk.models import Attachment, Ticket, TicketUpdate
from tests.governance.factories import make_ticket
from tests.governance.imap_server import running_imap_server

pytestmark = pytest.mark.django_db


def message(headers: dict, body: bytes, content_type="text/plain; charset=utf-8"):
    """Assemble a message byte for byte, with CRLF line ends as on the wire."""
    values = {
        "From": "Ann User <ann.user@example.com>",
        "To": "desk@example.com",
        "Date": "Fri, 04 Dec 2026 10:00:00 +0000",
        "Message-ID": "<m1@mail.example.net>",
        "MIME-Version": "1.0",
        "Content-Type": content_type,
    }
    values.update(headers)
    head = "".join(f"{name}: {value}\r\n" for name, value in values.items() if value)
    return head.encode("ascii") + b"\r\n" + body.replace(b"\n", b"\r\n")


@pytest.fixture
def ticket(client_user_a):
    return make_ticket(client_user_a.client, client_user_a, subject="Shop certificate")


def replies(ticket):
    return list(
        TicketUpdate.objects.filter(ticket=ticket, kind=UpdateKind.REPLY).values_list(
            "author__username", "body"
        )
    )


def test_plain_reply_by_subject(ticket):
    raw = message(
        {"Subject": f"Re: [CP-{ticket.pk}] Shop certificate"},
        b"Thanks, the new certificate works.\n",
    )

    result = ingest(raw)

    assert result.outcome == InboundOutcome.REPLY_ADDED
    assert replies(ticket) == [("ann.user", "Thanks, the new certificate works.")]
    logged = InboundEmail.objects.get()
    assert (logged.client, logged.ticket) == (ticket.client, ticket)


def test_reply_by_in_reply_to(ticket, analyst):
    update = services.add_update(ticket, analyst, "Installed.")
    sent = mail.public_reply(update)
    raw = message(
        {"Subject": "Re: your ticket", "In-Reply-To": sent.message_id},
        b"Confirmed working.\n",
    )

    result = ingest(raw)

    assert result.outcome == InboundOutcome.REPLY_ADDED
    assert replies(ticket)[-1] == ("ann.user", "Confirmed working.")


def test_quoted_reply_stripped(ticket):
    body = (
        b"Yes, please go ahead on Sunday.\n"
        b"\n"
        b"On Fri, 4 Dec 2026 at 09:00, CertPortal <certportal@example.com> wrote:\n"
        b"> -- Reply above this line to add a public reply --\n"
        b"> Can we install on Sunday?\n"
    )

    ingest(message({"Subject": f"Re: [CP-{ticket.pk}] Shop"}, body))

    assert replies(ticket) == [("ann.user", "Yes, please go ahead on Sunday.")]


def test_outlook_quote_stripped(ticket):
    body = (
        b"Approved.\n"
        b"\n"
        b"-----Original Message-----\n"
        b"From: CertPortal\n"
        b"Sent: Friday\n"
        b"Can we install on Sunday?\n"
    )

    ingest(message({"Subject": f"RE: [CP-{ticket.pk}] Shop"}, body))

    assert replies(ticket) == [("ann.user", "Approved.")]


def test_multipart_html_only(ticket):
    body = (
        b"--b1\n"
        b"Content-Type: text/html; charset=utf-8\n"
        b"\n"
        b"<html><body><p>It works &amp; thanks.</p><p>Ann</p>"
        b"<blockquote>old <b>quoted</b> text</blockquote>"
        b"<script>alert(1)</script></body></html>\n"
        b"--b1--\n"
    )
    raw = message(
        {"Subject": f"Re: [CP-{ticket.pk}] Shop"},
        body,
        'multipart/alternative; boundary="b1"',
    )

    ingest(raw)

    assert replies(ticket) == [("ann.user", "It works & thanks.\n\nAnn")]


def test_attachments_stored(ticket):
    pdf = base64.b64encode(b"%PDF-1.4\n%test\n").decode()
    body = (
        "--b2\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Logs and the order form attached.\n"
        "--b2\n"
        'Content-Type: text/plain; name="nginx.log"\n'
        'Content-Disposition: attachment; filename="nginx.log"\n'
        "\n"
        "SSL_do_handshake() failed\n"
        "--b2\n"
        "Content-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="order.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n"
        f"{pdf}\n"
        "--b2--\n"
    ).encode()
    raw = message(
        {"Subject": f"Re: [CP-{ticket.pk}] Shop"},
        body,
        'multipart/mixed; boundary="b2"',
    )

    result = ingest(raw)

    assert result.outcome == InboundOutcome.REPLY_ADDED
    names = sorted(Attachment.objects.values_list("original_name", flat=True))
    assert names == ["nginx.log", "order.pdf"]


def test_disallowed_attachment_rejected(ticket):
    body = (
        b"--b3\n"
        b"Content-Type: text/plain\n"
        b"\n"
        b"Run this.\n"
        b"--b3\n"
        b"Content-Type: application/octet-stream\n"
        b'Content-Disposition: attachment; filename="fix.exe"\n'
        b"Content-Transfer-Encoding: base64\n"
        b"\n"
        b"TVqQAAMAAAAEAAAA\n"
        b"--b3--\n"
    )
    raw = message(
        {"Subject": f"Re: [CP-{ticket.pk}] Shop"},
        body,
        'multipart/mixed; boundary="b3"',
    )

    result = ingest(raw)

    assert result.outcome == InboundOutcome.REJECTED
    assert result.detail.startswith("'fix.exe' is not an allowed file type.")
    assert replies(ticket) == []
    assert not Attachment.objects.exists()


def test_latin1_body(ticket):
    raw = message(
        {
            "Subject": f"=?iso-8859-1?Q?Re:_[CP-{ticket.pk}]_Gr=FC=DFe?=",
            "Content-Transfer-Encoding": "8bit",
        },
        "Grüße, das Zertifikat läuft.\n".encode("iso-8859-1"),
        "text/plain; charset=iso-8859-1",
    )

    ingest(raw)

    assert replies(ticket) == [("ann.user", "Grüße, das Zertifikat läuft.")]


def test_windows1252_body(ticket):
    raw = message(
        {
            "Subject": f"Re: [CP-{ticket.pk}] Shop",
            "Content-Transfer-Encoding": "quoted-printable",
        },
        b'Price =80 20 =96 "agreed".\n',
        "text/plain; charset=windows-1252",
    )

    ingest(raw)

    assert replies(ticket) == [("ann.user", 'Price € 20 \N{EN DASH} "agreed".')]


def test_shift_jis_body_and_subject(ticket):
    text = "証明書を更新しました。"
    subject = base64.b64encode(f"Re: [CP-{ticket.pk}] 証明書".encode("shift_jis"))
    raw = message(
        {
            "Subject": f"=?shift_jis?B?{subject.decode()}?=",
            "Content-Transfer-Encoding": "base64",
        },
        base64.b64encode(text.encode("shift_jis")) + b"\n",
        "text/plain; charset=shift_jis",
    )

    ingest(raw)

    assert replies(ticket) == [("ann.user", text)]


def test_unknown_charset_kept_readable(ticket):
    raw = message(
        {"Subject": f"Re: [CP-{ticket.pk}] Shop"},
        b"Plain words.\n",
        "text/plain; charset=x-no-such-charset",
    )

    ingest(raw)

    assert replies(ticket) == [("ann.user", "Plain words.")]


def test_unknown_sender_ignored(ticket):
    raw = message(
        {"From": "stranger@example.net", "Subject": f"Re: [CP-{ticket.pk}] Shop"},
        b"Let me in.\n",
    )

    result = ingest(raw)

    assert (result.outcome, result.detail) == (InboundOutcome.IGNORED, "unknown sender")
    assert replies(ticket) == []
    assert InboundEmail.objects.get().outcome == InboundOutcome.IGNORED


@pytest.mark.parametrize(
    ("header", "value", "detail"),
    [
        ("Auto-Submitted", "auto-replied", "Auto-Submitted: auto-replied"),
        ("X-Autoreply", "yes", "X-Autoreply header present"),
        ("Precedence", "bulk", "Precedence: bulk"),
        ("X-CertPortal-Ticket", "CP-1", "sent by the portal itself (mail loop)"),
    ],
)
def test_automatic_mail_ignored(ticket, header, value, detail):
    raw = message(
        {header: value, "Subject": f"Out of office: [CP-{ticket.pk}] Shop"},
        b"I am away until Monday.\n",
    )

    result = ingest(raw)

    assert result.outcome == InboundOutcome.IGNORED
    assert result.detail == f"automatic message: {detail}"
    assert replies(ticket) == []


def test_own_address_loop_ignored(ticket):
    raw = message(
        {"From": "certportal@example.com", "Subject": f"[CP-{ticket.pk}] Shop"},
        b"Loop.\n",
    )

    result = ingest(raw)

    assert result.detail == (
        "automatic message: sent from the portal's own address (mail loop)"
    )


def test_duplicate_message_handled_once(ticket):
    raw = message({"Subject": f"Re: [CP-{ticket.pk}] Shop"}, b"Once.\n")

    first = ingest(raw)
    second = ingest(raw)

    assert first.duplicate is False
    assert second.duplicate is True
    assert replies(ticket) == [("ann.user", "Once.")]


def test_other_client_cannot_reply(ticket, client_user_b):
    raw = message(
        {"From": client_user_b.email, "Subject": f"Re: [CP-{ticket.pk}] Shop"},
        b"Mine now.\n",
    )

    result = ingest(raw)

    assert result.outcome == InboundOutcome.REJECTED
    assert result.detail == f"ticket {ticket.reference} not found for sender"
    assert replies(ticket) == []


def test_empty_reply_rejected(ticket):
    raw = message(
        {"Subject": f"Re: [CP-{ticket.pk}] Shop"},
        b"On Fri, 4 Dec 2026, CertPortal wrote:\n> quoted only\n",
    )

    result = ingest(raw)

    assert result.outcome == InboundOutcome.REJECTED
    assert result.detail == "the reply is empty after quoted text was removed"


def test_desk_mail_opens_ticket(client_user_a):
    raw = message(
        {"Subject": "Fwd: New certificate for api.example.com"},
        b"Please issue a certificate for api.example.com.\n",
    )

    result = ingest(raw)

    ticket = Ticket.objects.get()
    assert result.outcome == InboundOutcome.TICKET_OPENED
    assert ticket.client == client_user_a.client
    assert ticket.requester == client_user_a
    assert ticket.subject == "New certificate for api.example.com"
    assert ticket.description == "Please issue a certificate for api.example.com."
    assert ticket.source == "email"


def test_provider_desk_mail_ignored(analyst):
    raw = message({"From": analyst.email, "Subject": "Hello"}, b"Hi.\n")

    result = ingest(raw)

    assert result.outcome == InboundOutcome.IGNORED
    assert not Ticket.objects.exists()


def test_mail_not_for_desk_ignored(client_user_a):
    raw = message({"To": "someone@example.net", "Subject": "Hello"}, b"Hi.\n")

    result = ingest(raw)

    assert result.detail == "no ticket reference and not sent to the desk address"
    assert not Ticket.objects.exists()


def test_ingest_command_reads_stdin(ticket, monkeypatch, capsys):
    raw = message({"Subject": f"Re: [CP-{ticket.pk}] Shop"}, b"Via the pipe.\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))

    call_command("ingest_email")

    assert capsys.readouterr().out == f"reply_added: reply on {ticket.reference}\n"
    assert replies(ticket) == [("ann.user", "Via the pipe.")]


def test_poll_ingests_fetched_messages(ticket, monkeypatch, settings):
    raws = [
        message({"Subject": f"Re: [CP-{ticket.pk}] Shop"}, b"First.\n"),
        message(
            {"Subject": f"Re: [CP-{ticket.pk}] Shop", "Message-ID": "<m2@example.net>"},
            b"Second.\n",
        ),
    ]
    settings.GOVERNANCE_IMAP_URL = "imaps://desk:secret@127.0.0.1:993/INBOX"
    monkeypatch.setattr(
        mailbox, "fetch_unseen", lambda url: ((b"1", raw) for raw in raws)
    )

    count = mailbox.poll()

    assert count == 2
    assert [body for _, body in replies(ticket)] == ["First.", "Second."]


def test_poll_reads_real_imap_server(ticket, settings):
    raws = [
        message({"Subject": f"Re: [CP-{ticket.pk}] Shop"}, b"Over IMAP.\n"),
        message({"From": "stranger@example.net", "Message-ID": "<m9@x.test>"}, b"?\n"),
    ]
    with running_imap_server(raws) as (port, server_mailbox):
        settings.GOVERNANCE_IMAP_URL = f"imap://desk:secret@127.0.0.1:{port}/INBOX"
        first = mailbox.poll()
        second = mailbox.poll()

    assert (first, second) == (2, 0)
    assert server_mailbox.seen == {1, 2}
    assert replies(ticket) == [("ann.user", "Over IMAP.")]
    assert InboundEmail.objects.filter(outcome=InboundOutcome.IGNORED).count() == 1


def test_poll_wrong_password_raises(settings):
    with running_imap_server([]) as (port, _):
        settings.GOVERNANCE_IMAP_URL = f"imap://desk:wrong@127.0.0.1:{port}/INBOX"
        with pytest.raises(imaplib.IMAP4.error):
            mailbox.poll()


def test_poll_off_without_url(settings):
    settings.GOVERNANCE_IMAP_URL = ""

    assert mailbox.poll() == 0


def test_fetch_rejects_bad_scheme():
    with pytest.raises(ValueError) as caught:
        list(mailbox.fetch_unseen("pop3://desk@127.0.0.1/"))

    assert str(caught.value) == (
        "GOVERNANCE_IMAP_URL has the scheme 'pop3'; use imaps:// "
        "(or imap:// for a server on the same host)."
    )


def test_replies_send_no_email_back_to_sender(ticket):
    outbox.outbox.clear()
    raw = message({"Subject": f"Re: [CP-{ticket.pk}] Shop"}, b"Thanks.\n")

    ingest(raw)

    assert all("ann.user@example.com" not in m.to for m in outbox.outbox)


def test_strip_quoted_keeps_text_without_quote():
    assert strip_quoted("Line one\nLine two\n") == "Line one\nLine two"


def test_strip_quoted_drops_signature():
    assert strip_quoted("Thanks\n--\nAnn User\nACME") == "Thanks"


def test_html_to_text_drops_script():
    assert html_to_text("<p>a<script>x()</script></p><div>b</div>") == "a\n\nb"


def test_reply_to_desk_reference(ticket):
    raw = message(
        {"Subject": f"Re: [Alpha Retail Ltd] New reply on {ticket.reference}: Shop"},
        b"Noted.\n",
    )

    result = ingest(raw)

    assert result.outcome == InboundOutcome.REPLY_ADDED
    assert replies(ticket) == [("ann.user", "Noted.")]


def test_reply_to_closed_ticket_rejected(ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    raw = message({"Subject": f"Re: [CP-{ticket.pk}] Shop"}, b"One more thing.\n")

    result = ingest(raw)

    assert result.outcome == InboundOutcome.REJECTED
    assert result.detail == (
        f"Ticket {ticket.reference} is closed, so it takes no more replies. "
        "Raise a new ticket and mention this one."
    )
    assert replies(ticket) == []
    assert InboundEmail.objects.get().outcome == InboundOutcome.REJECTED
