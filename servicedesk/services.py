"""Ticket workflows. Views, the admin, the API and tasks call these functions.

Each function that changes a ticket does its work in one transaction. It locks
the ticket's row and compares the caller's `expected_version` with the stored
one, because a form carries the version it was opened with (optimistic
locking). Then it applies the change, records history, raises the version and
recomputes the SLA due times. Emails go out after that transaction.

NOTE: emails are sent directly, not on commit. A caller that wraps a service
call in its own transaction (request_information and resolve wrap add_update)
sends them before the outer commit, so a later failure in that transaction
would leave an email about a change that was rolled back.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.roles import Role
from servicedesk import notifications, sla
from servicedesk.choices import (
    STOPPED_STATUSES,
    Category,
    EventKind,
    Level,
    Priority,
    Status,
    TargetKind,
    UpdateKind,
    priority_for,
)
from servicedesk.models import (
    Attachment,
    PhoneCall,
    SlaResult,
    Ticket,
    TicketEvent,
    TicketUpdate,
)
from servicedesk.validation import (
    TEXT_MAX_LENGTH,
    content_type_for,
    validate_attachment,
    validate_links,
    validate_text,
)

logger = logging.getLogger(__name__)

ANALYST_ROLES = frozenset({Role.L1_ANALYST, Role.ADMINISTRATOR})
PAUSE_REASON_MAX_LENGTH = 500

ALLOWED_TRANSITIONS = {
    Status.NEW: {
        Status.TRIAGED,
        Status.IN_PROGRESS,
        Status.AWAITING_CUSTOMER,
        Status.RESOLVED,
    },
    Status.TRIAGED: {Status.IN_PROGRESS, Status.AWAITING_CUSTOMER, Status.RESOLVED},
    Status.IN_PROGRESS: {Status.AWAITING_CUSTOMER, Status.RESOLVED},
    Status.AWAITING_CUSTOMER: {Status.IN_PROGRESS, Status.RESOLVED},
    Status.RESOLVED: {Status.CLOSED, Status.REOPENED},
    Status.REOPENED: {
        Status.TRIAGED,
        Status.IN_PROGRESS,
        Status.AWAITING_CUSTOMER,
        Status.RESOLVED,
    },
    Status.CLOSED: set(),
}


def is_analyst(user) -> bool:
    return user is not None and user.role in ANALYST_ROLES


def require_analyst(user, action: str) -> None:
    if not is_analyst(user):
        raise PermissionDenied(f"Only an L1 analyst or an administrator can {action}.")


def require_client_side(user, ticket, action: str) -> None:
    if not (user.is_client_staff and user.client_id == ticket.client_id):
        raise PermissionDenied(f"Only the client's own staff can {action}.")


def open_ticket(
    client,
    requester,
    category: str,
    subject: str,
    description: str,
    impact: str = Level.MEDIUM,
    urgency: str = Level.MEDIUM,
    *,
    certificate=None,
    csr=None,
    source: str = "portal",
    attachments=(),
    now: datetime | None = None,
) -> Ticket:
    """Raise a ticket for `client` and start its SLA clocks.

    - requester: the person raising it, or None when an app raises it (then set
      `source` to the app's label, e.g. "monitoring").
    - category: a servicedesk.choices.Category value; impact and urgency a
      Level value ("high", "medium", "low"); the priority follows the matrix.
    - certificate, csr: optional rows of the same client.
    - attachments: uploaded files, each checked for size, extension and content.

    Raises ValidationError (keyed by field, nothing stored) on bad input.
    Returns the saved ticket with its due times set.
    """
    now = now or timezone.now()
    ticket = Ticket(
        client=client,
        requester=requester,
        category=category,
        subject=(subject or "").strip(),
        description=description or "",
        impact=impact,
        urgency=urgency,
        priority=_matrix_priority(impact, urgency),
        certificate=certificate,
        csr=csr,
        source=source,
        created_at=now,
    )
    # Subject and description are checked by Ticket.clean(), whose messages
    # name the field, unlike the generic "This field cannot be blank.".
    ticket.full_clean(exclude=["subject", "description"])
    _check_attachments(attachments)
    with transaction.atomic():
        ticket.save()
        _event(ticket, requester, EventKind.CREATED, now, new=ticket.priority)
        for upload in attachments:
            _store_attachment(ticket, None, upload, requester)
        sla.refresh_due_times(ticket)
        _ensure_incident_report(ticket)
    logger.info(
        "ticket opened id=%s client=%s priority=%s source=%s",
        ticket.pk,
        client.pk,
        ticket.priority,
        source,
    )
    return ticket


def _matrix_priority(impact: str, urgency: str) -> str:
    # Invalid levels are reported by full_clean() with the field's name.
    if impact in Level.values and urgency in Level.values:
        return priority_for(impact, urgency)
    return Priority.P4


def _check_attachments(uploads) -> None:
    for upload in uploads:
        try:
            validate_attachment(upload)
        except ValidationError as exc:
            raise ValidationError({"attachment": exc}) from None


def _store_attachment(ticket, update, upload, person) -> Attachment:
    attachment = Attachment(
        ticket=ticket,
        update=update,
        original_name=upload.name[-200:],
        size=upload.size,
        content_type=content_type_for(upload.name),
        uploaded_by=person,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    return attachment


def _event(
    ticket, actor, kind, at, *, field="", old="", new="", reason="", public=True
):
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        field=field,
        old_value=str(old),
        new_value=str(new),
        reason=reason,
        public=public,
        at=at,
    )


def _check_text(value: str, field: str) -> None:
    try:
        validate_text(value, field, TEXT_MAX_LENGTH)
    except ValidationError as exc:
        raise ValidationError({field: exc}) from None


def _lock(ticket: Ticket, expected_version: int | None) -> Ticket:
    """Lock the ticket's row and check it is the version the caller saw."""
    current = (
        Ticket.objects.select_for_update().select_related("client").get(pk=ticket.pk)
    )
    check_version(current, expected_version)
    return current


def check_version(current: Ticket, expected_version: int | None) -> None:
    """Raise a "stale" ValidationError if `current` moved past `expected_version`."""
    if expected_version is None or int(expected_version) == current.version:
        return
    last = current.events.order_by("-at", "-pk").select_related("actor").first()
    who = last.actor.username if last and last.actor else "someone"
    raise ValidationError(
        "Ticket %(reference)s was changed by %(who)s after you opened it "
        "(your version %(yours)s, now %(current)s). Your input is kept below: "
        "reload the ticket, check the change, then apply yours again.",
        code="stale",
        params={
            "reference": current.reference,
            "who": who,
            "yours": expected_version,
            "current": current.version,
        },
    )


def _bump(ticket: Ticket, fields: list[str]) -> None:
    ticket.version = F("version") + 1
    ticket.save(update_fields=[*fields, "version", "updated_at"])
    ticket.refresh_from_db(fields=["version"])


def _set_status(ticket, actor, new_status, at, reason="") -> None:
    old = ticket.status
    if new_status == old:
        return
    if new_status not in ALLOWED_TRANSITIONS[Status(old)]:
        raise ValidationError(
            {
                "status": ValidationError(
                    "A ticket cannot go from %(old)s to %(new)s. "
                    "Allowed next statuses: %(allowed)s.",
                    code="invalid_transition",
                    params={
                        "old": Status(old).label,
                        "new": Status(new_status).label,
                        "allowed": ", ".join(
                            sorted(Status(s).label for s in ALLOWED_TRANSITIONS[old])
                        )
                        or "none",
                    },
                )
            }
        )
    ticket.status = new_status
    ticket.pause_reason = reason if new_status == Status.AWAITING_CUSTOMER else ""
    if new_status == Status.RESOLVED:
        ticket.resolved_at = at
        ticket.resolution_round += 1
    if new_status == Status.CLOSED:
        ticket.closed_at = at
    if new_status == Status.REOPENED:
        ticket.resolved_at = None
    event = _event(
        ticket,
        actor,
        EventKind.STATUS,
        at,
        field="status",
        old=old,
        new=new_status,
        reason=reason,
    )
    transaction.on_commit(
        partial(_announce_status, ticket.pk, event.pk, old, new_status, actor)
    )


def _announce_status(ticket_id, event_id, old, new, actor) -> None:
    """Email the requester and watchers about a committed status change."""
    from governance import hooks

    ticket = Ticket.objects.select_related("client", "requester").get(pk=ticket_id)
    hooks.status_changed(ticket, event_id, old, new, actor=actor)


def _ensure_incident_report(ticket) -> None:
    from governance import hooks

    hooks.ticket_saved(ticket)


def _finish(ticket, fields, now) -> None:
    _bump(ticket, fields)
    sla.refresh_due_times(ticket)


def _record_first_response(ticket, at) -> None:
    """Store the first response (a public reply or a P1 call) and its result."""
    if ticket.first_responded_at is not None and ticket.first_responded_at <= at:
        return
    clock = sla.clocks(ticket)[TargetKind.FIRST_RESPONSE]
    clock.stop = at
    due = ticket.response_due_at or clock.moment_at(sla.BREACH_THRESHOLD)
    elapsed = clock.elapsed(at)
    ticket.first_responded_at = at
    ticket.response_due_at = due
    SlaResult.objects.update_or_create(
        ticket=ticket,
        target=TargetKind.FIRST_RESPONSE,
        round=0,
        defaults={
            "target_minutes": clock.target.minutes,
            "measure": clock.target.measure,
            "elapsed_minutes": elapsed // timedelta(minutes=1),
            "due_at": due,
            "achieved_at": at,
            "met": elapsed <= timedelta(minutes=clock.target.minutes),
        },
    )


def _record_resolution(ticket, at) -> None:
    clock = sla.clocks(ticket)[TargetKind.RESOLUTION]
    elapsed = clock.elapsed(at)
    SlaResult.objects.get_or_create(
        ticket=ticket,
        target=TargetKind.RESOLUTION,
        round=ticket.resolution_round,
        defaults={
            "target_minutes": clock.target.minutes,
            "measure": clock.target.measure,
            "elapsed_minutes": elapsed // timedelta(minutes=1),
            "due_at": ticket.resolution_due_at,
            "achieved_at": at,
            "met": elapsed <= timedelta(minutes=clock.target.minutes),
        },
    )


def add_update(
    ticket: Ticket,
    author,
    body: str,
    *,
    internal: bool = False,
    attachments=(),
    now: datetime | None = None,
) -> TicketUpdate:
    """Add a public reply or (analysts only) an internal note.

    A client's reply to a ticket awaiting the customer resumes its clock; an
    analyst's first public reply is the first response.
    """
    now = now or timezone.now()
    if internal and not author.is_provider_staff:
        raise PermissionDenied("Only the provider's staff can write internal notes.")
    if author.is_client_staff and author.client_id != ticket.client_id:
        raise PermissionDenied("Client staff can only reply to their own tickets.")
    update = TicketUpdate(
        ticket=ticket,
        author=author,
        kind=UpdateKind.NOTE if internal else UpdateKind.REPLY,
        body=body or "",
        created_at=now,
    )
    update.full_clean(exclude=["body", "ticket", "author"])
    _check_attachments(attachments)
    with transaction.atomic():
        ticket = _lock(ticket, None)
        if ticket.status == Status.CLOSED:
            raise ValidationError(
                {
                    "body": ValidationError(
                        "Ticket %(reference)s is closed, so it takes no more replies. "
                        "Raise a new ticket and mention this one.",
                        code="closed",
                        params={"reference": ticket.reference},
                    )
                }
            )
        update.ticket = ticket
        update.save()
        for upload in attachments:
            _store_attachment(ticket, update, upload, author)
        _event(
            ticket,
            author,
            EventKind.NOTE if internal else EventKind.REPLY,
            now,
            public=not internal,
        )
        fields = []
        if (
            not internal
            and author.is_client_staff
            and ticket.status == Status.AWAITING_CUSTOMER
        ):
            _set_status(ticket, author, Status.IN_PROGRESS, now, "The client replied.")
            fields += ["status", "pause_reason"]
        if not internal and author.is_provider_staff:
            _record_first_response(ticket, now)
            fields += ["first_responded_at", "response_due_at"]
        _finish(ticket, fields, now)
    notifications.public_update(update)
    return update


def triage(
    ticket: Ticket,
    analyst,
    *,
    expected_version: int | None,
    category: str | None = None,
    impact: str | None = None,
    urgency: str | None = None,
    assignee=...,
    priority: str | None = None,
    override_reason: str = "",
    status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Change the triage fields; each change is kept in the history.

    A priority other than the matrix's needs `override_reason`; without an
    explicit priority the matrix decides again.
    """
    require_analyst(analyst, "triage tickets")
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        changes = plan_triage(
            ticket,
            category=category,
            impact=impact,
            urgency=urgency,
            assignee=assignee,
            priority=priority,
            override_reason=override_reason,
        )
        fields = []
        for name, value in changes.items():
            old = getattr(ticket, name)
            setattr(ticket, name, value)
            fields.append(name)
            _event(
                ticket,
                analyst,
                EventKind.PRIORITY_OVERRIDE if name == "priority" else EventKind.FIELD,
                now,
                field=name,
                old=_label(old),
                new=_label(value),
                reason=changes.get("priority_override_reason", "")
                if name == "priority"
                else "",
                public=name not in ("priority_override_reason", "assignee"),
            )
        if (
            status is None
            and ticket.status in (Status.NEW, Status.REOPENED)
            and changes
        ):
            status = Status.TRIAGED
        if status is not None and status != ticket.status:
            _set_status(ticket, analyst, status, now)
            fields += [
                "status",
                "pause_reason",
                "resolved_at",
                "closed_at",
                "resolution_round",
            ]
        if fields:
            _finish(ticket, fields, now)
        if "priority" in changes:
            _ensure_incident_report(ticket)
    return ticket


def plan_triage(
    ticket,
    *,
    category=None,
    impact=None,
    urgency=None,
    assignee=...,
    priority=None,
    override_reason="",
) -> dict:
    """Check triage input against `ticket` and return the fields that change.

    Stores nothing, so a form can call it to show errors before saving.
    """
    changes = {}
    for name, value in (
        ("category", category),
        ("impact", impact),
        ("urgency", urgency),
    ):
        if value is not None and value != getattr(ticket, name):
            changes[name] = value
    _validate_choices({**changes, **({"priority": priority} if priority else {})})
    if assignee is not ... and assignee != ticket.assignee:
        if assignee is not None and not is_analyst(assignee):
            raise ValidationError(
                {
                    "assignee": ValidationError(
                        "%(person)s is not an L1 analyst or administrator. "
                        "Assign the ticket to an analyst.",
                        code="not_analyst",
                        params={"person": assignee.username},
                    )
                }
            )
        changes["assignee"] = assignee
    _apply_priority(ticket, changes, priority, override_reason)
    return changes


def _label(value) -> str:
    if value is None:
        return ""
    return getattr(value, "username", None) or str(value)


def _apply_priority(ticket, changes, priority, reason) -> None:
    """Add the priority (and override reason) that follow from the input.

    Without an explicit priority, a change of impact or urgency lets the matrix
    decide again (dropping an override); otherwise the priority stays as is.
    """
    impact = changes.get("impact", ticket.impact)
    urgency = changes.get("urgency", ticket.urgency)
    if impact not in Level.values or urgency not in Level.values:
        return
    matrix = priority_for(impact, urgency)
    reason = (reason or "").strip()
    if not priority:
        if "impact" not in changes and "urgency" not in changes:
            return
        priority = matrix
    if priority != matrix:
        if not reason:
            raise ValidationError(
                {
                    "priority_override_reason": ValidationError(
                        "The matrix gives %(matrix)s for %(impact)s impact and "
                        "%(urgency)s urgency. "
                        "Give a reason to set %(priority)s instead.",
                        code="override_reason_required",
                        params={
                            "matrix": matrix,
                            "impact": impact,
                            "urgency": urgency,
                            "priority": priority,
                        },
                    )
                }
            )
        _check_text(reason, "priority_override_reason")
        if priority != ticket.priority:
            changes["priority"] = priority
        if reason != ticket.priority_override_reason:
            changes["priority_override_reason"] = reason
        return
    if matrix != ticket.priority:
        changes["priority"] = matrix
    if ticket.priority_override_reason:
        changes["priority_override_reason"] = ""


def _validate_choices(changes) -> None:
    choices = {
        "category": Category,
        "impact": Level,
        "urgency": Level,
        "priority": Priority,
    }
    for name, value in changes.items():
        enum = choices.get(name)
        if enum is not None and value not in enum.values:
            raise ValidationError(
                {
                    name: ValidationError(
                        "%(value)r is not a valid %(field)s. "
                        "Choose one of: %(choices)s.",
                        code="invalid_choice",
                        params={
                            "value": value,
                            "field": name,
                            "choices": ", ".join(enum.values),
                        },
                    )
                }
            )


def request_information(
    ticket, analyst, question: str, *, expected_version=None, now=None
) -> TicketUpdate:
    """Ask the client a question: a public reply, and the clock pauses until the
    client answers. The question (shortened) is the recorded pause reason."""
    require_analyst(analyst, "request information")
    _check_text(question, "question")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket, expected_version)
        reason = " ".join(question.split())[:PAUSE_REASON_MAX_LENGTH]
        _set_status(locked, analyst, Status.AWAITING_CUSTOMER, now, reason)
        _finish(locked, ["status", "pause_reason"], now)
        update = add_update(locked, analyst, question, now=now)
    return update


def resolve(
    ticket, analyst, resolution: str, *, expected_version=None, now=None
) -> Ticket:
    """Resolve: the fix is given, and the client confirms closure or reopens."""
    require_analyst(analyst, "resolve tickets")
    _check_text(resolution, "resolution")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket, expected_version)
        if locked.first_responded_at is None:
            _record_first_response(locked, now)
        _set_status(locked, analyst, Status.RESOLVED, now, "Resolved by the provider.")
        _record_resolution(locked, now)
        _finish(
            locked,
            [
                "status",
                "pause_reason",
                "resolved_at",
                "resolution_round",
                "first_responded_at",
                "response_due_at",
            ],
            now,
        )
        add_update(locked, analyst, resolution, now=now)
    locked.refresh_from_db()
    return locked


def confirm_closure(ticket, person, *, now=None) -> Ticket:
    """Close a resolved ticket for the party the RACI row "Confirming closure"
    makes Responsible or Accountable (the customer by default)."""
    from governance import hooks

    hooks.check_may_confirm_closure(person, ticket)
    return _close(ticket, person, "The client confirmed the fix.", now)


def _close(ticket, person, reason, now) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket, None)
        if locked.status != Status.RESOLVED:
            raise ValidationError(
                {
                    "status": ValidationError(
                        "Ticket %(reference)s is %(status)s, not resolved, so it "
                        "cannot be closed yet.",
                        code="not_resolved",
                        params={
                            "reference": locked.reference,
                            "status": locked.get_status_display().lower(),
                        },
                    )
                }
            )
        from governance import hooks

        hooks.check_ticket_may_close(locked)
        _set_status(locked, person, Status.CLOSED, now, reason)
        _finish(locked, ["status", "pause_reason", "closed_at"], now)
    return locked


def reopen(ticket, person, reason: str, *, now=None) -> Ticket:
    """Reopen a resolved ticket whose fix did not work; its resolution clock
    runs again."""
    require_client_side(person, ticket, "reopen a ticket")
    _check_text(reason, "reason")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket, None)
        if locked.status != Status.RESOLVED:
            raise ValidationError(
                {
                    "status": ValidationError(
                        "Ticket %(reference)s is %(status)s; only a resolved ticket "
                        "can be reopened. A closed ticket needs a new ticket.",
                        code="not_resolved",
                        params={
                            "reference": locked.reference,
                            "status": locked.get_status_display().lower(),
                        },
                    )
                }
            )
        _set_status(
            locked, person, Status.REOPENED, now, " ".join(reason.split())[:500]
        )
        _finish(locked, ["status", "pause_reason", "resolved_at"], now)
        add_update(locked, person, reason, now=now)
    locked.refresh_from_db()
    return locked


def record_call(
    ticket, analyst, *, caller_name: str, called_at: datetime, notes: str, now=None
) -> PhoneCall:
    """Record the telephone follow-up of a P1; the call is a first response."""
    require_analyst(analyst, "record calls")
    now = now or timezone.now()
    call = PhoneCall(
        ticket=ticket,
        caller_name=(caller_name or "").strip(),
        called_at=called_at,
        notes=notes or "",
        recorded_by=analyst,
    )
    call.full_clean(exclude=["ticket", "recorded_by", "caller_name", "notes"])
    with transaction.atomic():
        locked = _lock(ticket, None)
        call.ticket = locked
        call.save()
        _event(
            locked,
            analyst,
            EventKind.CALL,
            called_at,
            reason=f"Call with {call.caller_name}",
        )
        _record_first_response(locked, called_at)
        _finish(locked, ["first_responded_at", "response_due_at"], now)
    return call


def close_if_unanswered(ticket_id: int, now: datetime | None = None) -> str:
    """Send the closure notice or close a resolved ticket; safe to run twice.

    Returns what was done: "closed", "noticed" or "nothing".
    """
    from django.conf import settings

    from servicedesk.calendars import add_business_days, calendar_for_client
    from servicedesk.choices import NoticeKind
    from servicedesk.models import TicketNotice

    now = now or timezone.now()
    ticket = Ticket.objects.select_related("client").get(pk=ticket_id)
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return "nothing"
    days = settings.SERVICEDESK_AUTO_CLOSE_BUSINESS_DAYS
    calendar = calendar_for_client(ticket.client)
    closes_at = add_business_days(calendar, ticket.resolved_at, days)
    notice_at = add_business_days(calendar, ticket.resolved_at, max(days - 1, 0))
    if now >= closes_at:
        try:
            closed = _close(
                ticket, None, "Closed automatically: no answer from the client.", now
            )
        except ValidationError:
            return "nothing"
        if _claim_notice(TicketNotice, closed, NoticeKind.AUTO_CLOSED, now):
            notifications.auto_closed(closed)
        return "closed"
    if now >= notice_at and _claim_notice(
        TicketNotice, ticket, NoticeKind.CLOSURE_WARNING, now
    ):
        notifications.closure_warning(ticket, closes_at)
        return "noticed"
    return "nothing"


def _claim_notice(model, ticket, kind, now) -> bool:
    """Insert the notice row; False if another run already did (unique row)."""
    try:
        with transaction.atomic():
            model.objects.create(
                ticket=ticket, kind=kind, round=ticket.resolution_round, sent_at=now
            )
    except IntegrityError:
        return False
    return True


def check_links(ticket, *, certificate=None, csr=None) -> None:
    """Reject a certificate or CSR of another client than the ticket's."""
    validate_links(ticket.client_id, certificate, csr)


def link(ticket, analyst, *, certificate=None, csr=None, now=None) -> None:
    """Link the ticket to a certificate and a CSR of its own client."""
    require_analyst(analyst, "link certificates to tickets")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket, None)
        changes = {}
        if certificate != locked.certificate:
            changes["certificate"] = certificate
        if csr != locked.csr:
            changes["csr"] = csr
        if not changes:
            return
        for name, value in changes.items():
            _event(
                locked,
                analyst,
                EventKind.FIELD,
                now,
                field=name,
                old=_label(getattr(locked, name)),
                new=_label(value),
            )
            setattr(locked, name, value)
        check_links(locked, certificate=locked.certificate, csr=locked.csr)
        _bump(locked, list(changes))


def check_watchers(ticket, people) -> None:
    """Reject watchers who work for another client: they must never get mail
    about this ticket."""
    outsiders = [
        person.username
        for person in people
        if person.is_client_staff and person.client_id != ticket.client_id
    ]
    if outsiders:
        raise ValidationError(
            {
                "watchers": ValidationError(
                    "%(people)s work for another client and cannot watch a ticket "
                    "of %(client)s. Remove them from the watchers.",
                    code="other_client",
                    params={"people": ", ".join(outsiders), "client": ticket.client},
                )
            }
        )


def set_watchers(ticket, analyst, people, *, now=None) -> None:
    """Replace the ticket's watchers, keeping the change in its history."""
    require_analyst(analyst, "change watchers")
    people = list(people)
    check_watchers(ticket, people)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket, None)
        old = sorted(locked.watchers.values_list("username", flat=True))
        new = sorted(person.username for person in people)
        if old == new:
            return
        locked.watchers.set(people)
        _event(
            locked,
            analyst,
            EventKind.FIELD,
            now,
            field="watchers",
            old=", ".join(old),
            new=", ".join(new),
            public=False,
        )
        _bump(locked, [])


def recompute_open_tickets(tickets) -> int:
    """Recompute due times after a calendar or target change; returns the count."""
    count = 0
    for ticket in tickets.exclude(status__in=STOPPED_STATUSES).select_related("client"):
        sla.refresh_due_times(ticket)
        count += 1
    return count


def calendar_changed(calendar) -> int:
    """Recompute the due times of the open tickets that use `calendar`."""
    if calendar.client_id is None:
        return 0
    count = recompute_open_tickets(Ticket.objects.filter(client_id=calendar.client_id))
    logger.info("due times recomputed calendar=%s tickets=%d", calendar.pk, count)
    return count


def targets_changed(target) -> int:
    tickets = Ticket.objects.filter(priority=target.priority)
    if target.client_id is not None:
        tickets = tickets.filter(client_id=target.client_id)
    return recompute_open_tickets(tickets)
