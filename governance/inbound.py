"""Incoming email: replies become public replies, new mail opens a ticket.

`ingest(raw)` handles one RFC 5322 message, from `manage.py ingest_email` or
the IMAP poller:
1. Skip a Message-ID handled before, so a message delivered twice counts once.
2. Ignore auto-replies, bulk mail and mail from the portal itself (loops).
3. Ignore senders who are not active people of the portal.
4. Find the ticket by its reference in the subject ("[T-000123]", or the older
   "[CP-n]"), or by In-Reply-To/References naming one of the portal's own emails.
5. Strip quoted text, check attachments against the service desk's limits and
   add a public reply, or open a ticket when the mail went to the desk address.
Every outcome is stored as an InboundEmail row and logged.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.tenancy import scope
from governance import desk
from governance.choices import InboundOutcome
from governance.mail import DESK_REFERENCE_PATTERN, REFERENCE_PATTERN, REPLY_MARKER
from governance.models import InboundEmail, OutgoingEmail

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|antw)\s*:\s*)+", re.IGNORECASE)
QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.*\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*From:\s.+$", re.IGNORECASE),
    re.compile(r"^\s*" + re.escape(REPLY_MARKER)),
]
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


@dataclass
class Result:
    outcome: str
    detail: str
    ticket: object = None
    duplicate: bool = False
    messages: list = field(default_factory=list)


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def message_id_of(message: EmailMessage, raw: bytes) -> str:
    value = (message.get("Message-ID") or "").strip()
    if value:
        return value[:998]
    # Without a Message-ID the content itself identifies a redelivery.
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"


def automatic_reason(message: EmailMessage) -> str:
    """Return why the message was sent by a machine, or "" for a person."""
    auto_submitted = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if message.get(name) is not None:
            return f"{name} header present"
    precedence = (message.get("Precedence") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if message.get("X-CertPortal-Ticket") is not None:
        return "sent by the portal itself (mail loop)"
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    own = {
        settings.DEFAULT_FROM_EMAIL.lower(),
        settings.GOVERNANCE_DESK_ADDRESS.lower(),
    }
    if sender in own:
        return "sent from the portal's own address (mail loop)"
    if sender.split("@")[0] in {"mailer-daemon", "postmaster"}:
        return "delivery status notification"
    return ""


class _TextExtractor(HTMLParser):
    """Turn HTML into plain text: block elements become line breaks, and script,
    style and blockquote content (the quoted earlier message) is dropped."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table"}
    SKIPPED = {"script", "style", "head", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skip_depth += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skip_depth:
            self.skip_depth -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _decoded(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):
        # An unknown or wrong charset label: keep the text readable rather than
        # losing the message.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _decoded(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text


def strip_quoted(text: str) -> str:
    """Keep only what the sender wrote: drop the quoted earlier message, the
    attribution line above it and the signature."""
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if any(pattern.match(line) for pattern in QUOTE_HEADERS):
            break
        if line.rstrip() == "--":
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def attachments_of(message: EmailMessage) -> list[SimpleUploadedFile]:
    files = []
    for part in message.iter_attachments():
        name = part.get_filename() or "attachment"
        payload = part.get_payload(decode=True) or b""
        files.append(SimpleUploadedFile(name, payload, part.get_content_type()))
    return files


def sender_person(message: EmailMessage) -> User | None:
    address = parseaddr(str(message.get("From", "")))[1].strip()
    if not address:
        return None
    people = list(User.objects.filter(email__iexact=address, is_active=True)[:2])
    # Two accounts sharing an address cannot be distinguished, so neither is trusted.
    return people[0] if len(people) == 1 else None


def referenced_ticket_id(message: EmailMessage) -> int | None:
    subject = str(message.get("Subject", ""))
    match = REFERENCE_PATTERN.search(subject) or DESK_REFERENCE_PATTERN.search(subject)
    if match:
        return int(match.group(1))
    ids = " ".join(str(message.get(name, "")) for name in ("In-Reply-To", "References"))
    found = re.findall(r"<[^<>\s]+>", ids)
    if not found:
        return None
    row = (
        OutgoingEmail.objects.filter(message_id__in=found)
        .values_list("ticket_id", flat=True)
        .first()
    )
    return row


def addressed_to_desk(message: EmailMessage) -> bool:
    desk_address = settings.GOVERNANCE_DESK_ADDRESS.lower()
    headers = [str(message.get(name, "")) for name in ("To", "Cc", "Delivered-To")]
    return any(address.lower() == desk_address for _, address in getaddresses(headers))


def _handle(message: EmailMessage) -> Result:
    try:
        return _route(message)
    except (ValidationError, PermissionDenied) as exc:
        # The service desk rejected the reply or the ticket (a closed ticket, an
        # empty subject): the message is stored as rejected with the reason.
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return Result(InboundOutcome.REJECTED, text[:300])


def _route(message: EmailMessage) -> Result:
    reason = automatic_reason(message)
    if reason:
        return Result(InboundOutcome.IGNORED, f"automatic message: {reason}")
    person = sender_person(message)
    if person is None:
        return Result(InboundOutcome.IGNORED, "unknown sender")

    files = attachments_of(message)
    try:
        for upload in files:
            desk.validate_attachment(upload)
    except ValidationError as exc:
        return Result(
            InboundOutcome.REJECTED, exc.messages[0][:300], messages=exc.messages
        )

    text = strip_quoted(body_text(message))
    ticket_id = referenced_ticket_id(message)
    if ticket_id is not None:
        ticket = (
            scope(desk.ticket_model().objects.all(), person)
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return Result(
                InboundOutcome.REJECTED,
                f"ticket T-{ticket_id:06d} not found for sender",
            )
        if not text and not files:
            return Result(
                InboundOutcome.REJECTED,
                "the reply is empty after quoted text was removed",
            )
        desk.add_public_reply(ticket, person, text or "(attachments only)", files)
        return Result(
            InboundOutcome.REPLY_ADDED, f"reply on {ticket.reference}", ticket
        )

    if not addressed_to_desk(message):
        return Result(
            InboundOutcome.IGNORED,
            "no ticket reference and not sent to the desk address",
        )
    if not person.is_client_staff:
        return Result(
            InboundOutcome.IGNORED, "provider staff open tickets in the console"
        )
    subject = SUBJECT_PREFIX.sub("", str(message.get("Subject", ""))).strip()
    ticket = desk.open_ticket(person, subject or "(no subject)", text, files)
    return Result(InboundOutcome.TICKET_OPENED, f"opened {ticket.reference}", ticket)


def ingest(raw: bytes) -> Result:
    """Handle one RFC 5322 message; see the module docstring for the steps."""
    message = parse(raw)
    message_id = message_id_of(message, raw)
    sender = parseaddr(str(message.get("From", "")))[1][:254]
    subject = str(message.get("Subject", ""))[:998]

    existing = InboundEmail.objects.filter(message_id=message_id).first()
    if existing is not None:
        logger.info(
            "inbound email skipped message_id=%s reason=already handled", message_id
        )
        return Result(existing.outcome, existing.detail, duplicate=True)

    try:
        with transaction.atomic():
            result = _handle(message)
            ticket = result.ticket
            InboundEmail.objects.create(
                message_id=message_id,
                sender=sender,
                subject=subject,
                outcome=result.outcome,
                detail=result.detail[:300],
                client_id=getattr(ticket, "client_id", None),
                ticket=ticket,
            )
    except IntegrityError:
        # Another process handled the same message at the same moment; its
        # transaction won, and this one rolled back the reply it had added.
        logger.info("inbound email skipped message_id=%s reason=concurrent", message_id)
        return Result(
            InboundOutcome.IGNORED, "handled by another process", duplicate=True
        )

    log = logger.warning if result.outcome == InboundOutcome.REJECTED else logger.info
    log(
        "inbound email outcome=%s sender=%s message_id=%s detail=%s",
        result.outcome,
        sender,
        message_id,
        result.detail,
    )
    return result
