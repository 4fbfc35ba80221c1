"""Tickets, their updates and history, business calendars and SLA records."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import validate_time_zone
from accounts.tenancy import TenantQuerySet
from servicedesk.choices import (
    Category,
    EventKind,
    Level,
    Measure,
    NoticeKind,
    Priority,
    Status,
    TargetKind,
    UpdateKind,
)
from servicedesk.validation import (
    SUBJECT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    validate_attachment,
    validate_links,
    validate_text,
)

User = settings.AUTH_USER_MODEL


class BusinessCalendar(models.Model):
    """Working time against which business-minute SLA targets run.

    A calendar linked to a client takes its time zone, country and subdivision
    from the client. An unlinked calendar (the provider's analysts, a shared
    one) uses its own fields. `always_open` makes a 24x7 calendar.
    """

    name = models.CharField(max_length=100)
    client = models.OneToOneField(
        "accounts.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="business_calendar",
        help_text="The client whose tickets use this calendar; empty for shared ones.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA time zone; ignored when a client is set "
        "(the client's is used).",
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO 3166 code for public holidays; empty means none. "
        "Ignored when a client is set.",
    )
    subdivision = models.CharField(max_length=10, blank=True)
    always_open = models.BooleanField(
        default=False, help_text="Open 24 hours a day, every day, holidays included."
    )
    is_provider_calendar = models.BooleanField(
        default=False,
        help_text="The analysts' working hours; SLA warnings are sent only "
        "inside them.",
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_provider_calendar"],
                condition=Q(is_provider_calendar=True),
                name="one_provider_calendar",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.client_id is None and not self.time_zone:
            raise ValidationError(
                {
                    "time_zone": ValidationError(
                        "A calendar without a client needs a time zone, "
                        "for example Europe/London.",
                        code="time_zone_required",
                    )
                }
            )


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingWindow(models.Model):
    """One stretch of working time on a weekday, in the calendar's local time.

    An end of 00:00 means midnight at the end of the day. Several windows on one
    day model a lunch break.
    """

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="windows"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    objects = TenantQuerySet.as_manager()
    tenant_field = "calendar__client"

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        if self.end.hour == 0 and self.end.minute == 0:
            return
        if self.end <= self.start:
            raise ValidationError(
                {
                    "end": ValidationError(
                        "The window ends at %(end)s, not after its start %(start)s. "
                        "Use an end later than the start, or 00:00 for midnight.",
                        code="window_order",
                        params={
                            "end": f"{self.end:%H:%M}",
                            "start": f"{self.start:%H:%M}",
                        },
                    )
                }
            )


class ClosedDay(models.Model):
    """A date, in the calendar's local time, with no working time at all."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "calendar__client"

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="closed_day_unique_per_calendar"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


class SlaTarget(models.Model):
    """A target for one priority, for one client or (client empty) for everyone.

    Business minutes run against the client's calendar; clock minutes run 24x7.
    Targets missing here fall back to servicedesk.sla.DEFAULT_TARGETS.
    """

    client = models.ForeignKey(
        "accounts.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_targets",
    )
    priority = models.CharField(max_length=2, choices=Priority.choices)
    kind = models.CharField(max_length=20, choices=TargetKind.choices)
    minutes = models.PositiveIntegerField(
        help_text="Minutes: business minutes or clock minutes, as measured."
    )
    measure = models.CharField(max_length=10, choices=Measure.choices)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["priority", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "priority", "kind"],
                name="sla_target_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.priority} {self.get_kind_display()}: {self.minutes} min"


class Ticket(models.Model):
    """A request or incident raised by a client's staff or by the portal itself."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, related_name="tickets"
    )
    requester = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requested_tickets",
        help_text="The person who raised it; empty when another app raised it.",
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    description = models.TextField(max_length=TEXT_MAX_LENGTH)
    impact = models.CharField(max_length=10, choices=Level.choices)
    urgency = models.CharField(max_length=10, choices=Level.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    priority_override_reason = models.TextField(
        blank=True, help_text="Why an analyst set a priority other than the matrix's."
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    pause_reason = models.CharField(max_length=500, blank=True)
    assignee = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        limit_choices_to={"role__in": ["l1_analyst", "administrator"]},
    )
    certificate = models.ForeignKey(
        "certificates.Certificate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    csr = models.ForeignKey(
        "certificates.CertificateSigningRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name="CSR",
    )
    watchers = models.ManyToManyField(User, blank=True, related_name="watched_tickets")
    source = models.CharField(
        max_length=30, default="portal", help_text="Who raised it: portal or an app."
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every change; guards against stale edits."
    )
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Due times stored for sorting and filtering; servicedesk.sla recomputes them.
    response_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="The earlier of the running due times; empty while paused.",
    )
    resolution_round = models.PositiveIntegerField(
        default=0, help_text="How many times the ticket was resolved."
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"T-{self.pk:06d}" if self.pk else "T-new"

    @property
    def is_paused(self) -> bool:
        return self.status == Status.AWAITING_CUSTOMER

    @property
    def awaits_call(self) -> bool:
        """A P1 stays flagged until an analyst records the follow-up call."""
        return self.priority == Priority.P1 and not self.calls.exists()

    def clean(self) -> None:
        errors = {}
        for name, limit in (("subject", SUBJECT_MAX_LENGTH), ("description", None)):
            try:
                validate_text(getattr(self, name), name, limit or TEXT_MAX_LENGTH)
            except ValidationError as exc:
                errors[name] = exc
        requester = self.requester if self.requester_id else None
        if (
            requester
            and requester.is_client_staff
            and requester.client_id != self.client_id
        ):
            errors["requester"] = ValidationError(
                "%(person)s works for another client and cannot raise tickets for "
                "%(client)s. Choose a person of this client.",
                code="other_client",
                params={"person": requester.username, "client": self.client},
            )
        try:
            validate_links(
                self.client_id,
                self.certificate if self.certificate_id else None,
                self.csr if self.csr_id else None,
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
        if errors:
            raise ValidationError(errors)


class TicketUpdate(models.Model):
    """A public reply (seen by the client) or an internal note (provider only)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=10, choices=UpdateKind.choices, default=UpdateKind.REPLY
    )
    body = models.TextField(max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(db_index=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "ticket__client"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket.reference}"

    @property
    def is_public(self) -> bool:
        return self.kind == UpdateKind.REPLY

    def clean(self) -> None:
        try:
            validate_text(self.body, "body", TEXT_MAX_LENGTH)
        except ValidationError as exc:
            raise ValidationError({"body": exc}) from None


def attachment_path(instance, filename: str) -> str:
    # The stored name is not the uploaded one, so a crafted name cannot climb
    # directories or overwrite another file.
    return f"servicedesk/{instance.ticket.client_id}/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    """A file attached to a ticket, optionally to one update of it."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments"
    )
    update = models.ForeignKey(
        TicketUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(upload_to=attachment_path, validators=[validate_attachment])
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(help_text="Bytes.")
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "ticket__client"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_public(self) -> bool:
        return self.update_id is None or self.update.is_public


class TicketEvent(models.Model):
    """One entry of a ticket's history: who changed what, when, from what to what.

    Status events are also the input of the SLA clock (servicedesk.sla).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    field = models.CharField(max_length=50, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    public = models.BooleanField(
        default=True, help_text="Shown to the client in the ticket's history."
    )
    at = models.DateTimeField(db_index=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "ticket__client"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.field}".strip()


class PhoneCall(models.Model):
    """The follow-up telephone call of a P1, recorded by an analyst."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls")
    caller_name = models.CharField(
        max_length=200, help_text="Who called or was called at the client."
    )
    called_at = models.DateTimeField()
    notes = models.TextField(max_length=TEXT_MAX_LENGTH)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "ticket__client"

    class Meta:
        ordering = ["called_at"]

    def __str__(self) -> str:
        return f"Call with {self.caller_name} on {self.called_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        errors = {}
        for name, limit in (("caller_name", 200), ("notes", TEXT_MAX_LENGTH)):
            try:
                validate_text(getattr(self, name), name, limit)
            except ValidationError as exc:
                errors[name] = exc
        if self.called_at and self.called_at > timezone.now():
            errors["called_at"] = ValidationError(
                "The call time %(value)s is in the future. Enter when the call "
                "took place.",
                code="future",
                params={"value": f"{self.called_at:%Y-%m-%d %H:%M %Z}"},
            )
        if errors:
            raise ValidationError(errors)


class SlaAlert(models.Model):
    """A threshold of a target crossed: 50, 75 or 90 (a warning) or 100 (a breach).

    One row per ticket, target and threshold, so a rerun of the periodic check
    never records or sends a second one.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="sla_alerts"
    )
    target = models.CharField(max_length=20, choices=TargetKind.choices)
    threshold = models.PositiveSmallIntegerField(help_text="Percent of the target.")
    crossed_at = models.DateTimeField(help_text="When the threshold was reached.")
    recorded_at = models.DateTimeField()
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When analysts were told; warnings wait for their working hours.",
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "ticket__client"

    class Meta:
        ordering = ["crossed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "threshold"], name="sla_alert_unique"
            )
        ]

    def __str__(self) -> str:
        label = "breach" if self.is_breach else f"{self.threshold}% warning"
        return f"{self.ticket.reference} {self.get_target_display()} {label}"

    @property
    def is_breach(self) -> bool:
        return self.threshold >= 100


class SlaResult(models.Model):
    """The outcome of one target of one ticket, stored when the target stops."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="sla_results"
    )
    target = models.CharField(max_length=20, choices=TargetKind.choices)
    round = models.PositiveIntegerField(
        default=0, help_text="Resolution round; a reopened ticket is measured again."
    )
    target_minutes = models.PositiveIntegerField()
    measure = models.CharField(max_length=10, choices=Measure.choices)
    elapsed_minutes = models.PositiveIntegerField(
        help_text="Running minutes used, pauses excluded."
    )
    due_at = models.DateTimeField(null=True, blank=True)
    achieved_at = models.DateTimeField()
    met = models.BooleanField()

    objects = TenantQuerySet.as_manager()
    tenant_field = "ticket__client"

    class Meta:
        ordering = ["achieved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "round"], name="sla_result_unique"
            )
        ]

    def __str__(self) -> str:
        outcome = "met" if self.met else "missed"
        return f"{self.ticket.reference} {self.get_target_display()} {outcome}"


class TicketNotice(models.Model):
    """An automatic email about a resolved ticket.

    The row is inserted before the email is sent, and its unique (ticket, kind,
    round) constraint stops a second run from sending it again.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    round = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()
    tenant_field = "ticket__client"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "round"], name="ticket_notice_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.ticket.reference}"
