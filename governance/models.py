from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from accounts.tenancy import TenantQuerySet
from governance.choices import (
    ChangeState,
    ChangeType,
    EmergencyReason,
    InboundOutcome,
    Party,
    ReportState,
    RiskLevel,
)

LETTER_ORDER = "RACI"


def normalise_letters(value: str) -> str:
    """Upper-case RACI letters in R, A, C, I order, ignoring spaces and commas."""
    cleaned = (value or "").upper().replace(" ", "").replace(",", "")
    return "".join(letter for letter in LETTER_ORDER if letter in cleaned)


def validate_letters(value: str) -> None:
    cleaned = (value or "").upper().replace(" ", "").replace(",", "")
    unknown = sorted({letter for letter in cleaned if letter not in LETTER_ORDER})
    if unknown:
        raise ValidationError(
            "%(value)r contains %(unknown)s, which is not a RACI letter. "
            "Use only R, A, C and I, for example RA.",
            code="invalid_raci_letters",
            params={"value": value, "unknown": ", ".join(unknown)},
        )


def validate_one_accountable(provider: str, customer: str, field: str) -> None:
    """Raise unless exactly one party is Accountable: ITIL allows one owner."""
    holders = [letters for letters in (provider, customer) if "A" in letters]
    if len(holders) == 1:
        return
    message = (
        "Both the provider and the customer are Accountable. "
        "Exactly one party may hold A: remove it from one of them."
        if holders
        else "Neither party is Accountable. Give A to the provider or the customer."
    )
    raise ValidationError(
        {field: ValidationError(message, code="accountable_count", params={})}
    )


class Service(models.Model):
    """A service the provider offers, such as the SSL certificate service."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    order = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """One activity of a service with the RACI letters of both parties.

    The letters are stored as strings such as "RA" or "CI". Code reads them
    through governance.raci, which also applies a client's overrides.
    """

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="activities"
    )
    code = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Stable name used by the code, e.g. confirm_closure.",
    )
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=100)
    provider = models.CharField(
        max_length=4,
        blank=True,
        validators=[validate_letters],
        help_text="RACI letters of the provider, e.g. RA.",
    )
    customer = models.CharField(
        max_length=4,
        blank=True,
        validators=[validate_letters],
        help_text="RACI letters of the customer, e.g. CI.",
    )

    class Meta:
        ordering = ["service__order", "order", "name"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.provider = normalise_letters(self.provider)
        self.customer = normalise_letters(self.customer)
        validate_one_accountable(self.provider, self.customer, "customer")

    def letters(self, party: str) -> str:
        return self.provider if party == Party.PROVIDER else self.customer


class ActivityOverride(models.Model):
    """A client's own RACI letters for one activity, agreed in its contract."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="raci_overrides"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="overrides"
    )
    provider = models.CharField(max_length=4, blank=True, validators=[validate_letters])
    customer = models.CharField(max_length=4, blank=True, validators=[validate_letters])

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["client", "activity"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "activity"], name="raci_override_unique_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} for {self.client}"

    def clean(self) -> None:
        self.provider = normalise_letters(self.provider)
        self.customer = normalise_letters(self.customer)
        validate_one_accountable(self.provider, self.customer, "customer")


class ChangeRequest(models.Model):
    """A request for change (ITIL): what, why, how, how to undo it, and when."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, related_name="change_requests"
    )
    title = models.CharField(max_length=200)
    change_type = models.CharField(
        max_length=20, choices=ChangeType.choices, default=ChangeType.NORMAL
    )
    state = models.CharField(
        max_length=20, choices=ChangeState.choices, default=ChangeState.DRAFT
    )
    reason = models.TextField(help_text="Why the change is needed.")
    risk_level = models.CharField(
        max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    risk = models.TextField(help_text="What could go wrong and for whom.")
    implementation_plan = models.TextField()
    rollback_plan = models.TextField(help_text="How the change is undone if it fails.")
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    emergency_reason = models.CharField(
        max_length=20,
        choices=EmergencyReason.choices,
        blank=True,
        help_text="Required for an emergency change.",
    )
    customer_approval_evidence = models.TextField(
        blank=True,
        help_text="For a standard change: the customer's emailed pre-approval "
        "(sender, date and Message-ID).",
    )
    certificates = models.ManyToManyField(
        "certificates.Certificate", blank=True, related_name="change_requests"
    )
    endpoints = models.ManyToManyField(
        "certificates.Endpoint", blank=True, related_name="change_requests"
    )
    tickets = models.ManyToManyField(
        "servicedesk.Ticket",
        blank=True,
        related_name="change_requests",
        help_text="The incidents or requests this change resolves.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gt=F("window_start")),
                name="change_window_ordered",
            )
        ]
        indexes = [models.Index(fields=["client", "state"], name="change_client_state")]

    def __str__(self) -> str:
        return f"CHG-{self.pk}: {self.title}"

    def clean(self) -> None:
        errors = {}
        if (self.window_start is None) != (self.window_end is None):
            missing = "window_end" if self.window_end is None else "window_start"
            errors[missing] = ValidationError(
                "The change window needs both a start and an end: set %(field)s.",
                code="window_incomplete",
                params={"field": missing.replace("_", " ")},
            )
        elif self.window_start and self.window_end <= self.window_start:
            errors["window_end"] = ValidationError(
                "The window ends at %(end)s, which is not after its start "
                "%(start)s. Choose an end after the start.",
                code="window_order",
                params={
                    "end": f"{self.window_end:%Y-%m-%d %H:%M}",
                    "start": f"{self.window_start:%Y-%m-%d %H:%M}",
                },
            )
        if self.change_type == ChangeType.EMERGENCY and not self.emergency_reason:
            errors["emergency_reason"] = ValidationError(
                "An emergency change must say why it is urgent: choose an "
                "incident to resolve or an emergency security patch.",
                code="emergency_reason_required",
                params={},
            )
        if self.change_type != ChangeType.EMERGENCY and self.emergency_reason:
            errors["emergency_reason"] = ValidationError(
                "Only an emergency change has an emergency reason: clear it or "
                "make the change an emergency.",
                code="emergency_reason_forbidden",
                params={},
            )
        if errors:
            raise ValidationError(errors)


class ChangeDecision(models.Model):
    """One move of a change request between states: who, when, and why."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="decisions"
    )
    from_state = models.CharField(max_length=20, choices=ChangeState.choices)
    to_state = models.CharField(max_length=20, choices=ChangeState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True
    )
    actor_name = models.CharField(
        max_length=150, help_text="Kept if the person is deleted."
    )
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()
    tenant_field = "change_request__client"

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state} by {self.actor_name}"


class IncidentReport(models.Model):
    """The post-incident report of a P1: drafted by the provider, then published."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, related_name="incident_reports"
    )
    ticket = models.OneToOneField(
        "servicedesk.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident_report",
        help_text="The P1 ticket the report is about.",
    )
    title = models.CharField(max_length=200)
    state = models.CharField(
        max_length=20, choices=ReportState.choices, default=ReportState.DRAFT
    )
    impact = models.TextField(blank=True, help_text="Who and what was affected.")
    root_cause = models.TextField(blank=True)
    mitigation = models.TextField(
        blank=True, help_text="What is done so that it does not happen again."
    )
    review_meeting_at = models.DateTimeField(null=True, blank=True)
    review_meeting_notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Incident report {self.pk}: {self.title}"

    @property
    def is_published(self) -> bool:
        return self.state == ReportState.PUBLISHED

    def clean(self) -> None:
        if (
            self.ticket_id
            and self.client_id
            and self.ticket.client_id != self.client_id
        ):
            raise ValidationError(
                {
                    "ticket": ValidationError(
                        "Ticket %(ticket)s belongs to another client. Choose a "
                        "ticket of the report's client.",
                        code="wrong_client",
                        params={"ticket": self.ticket},
                    )
                }
            )


class TimelineEntry(models.Model):
    """One moment of an incident, in the order it happened."""

    report = models.ForeignKey(
        IncidentReport, on_delete=models.CASCADE, related_name="timeline"
    )
    occurred_at = models.DateTimeField()
    description = models.TextField()

    objects = TenantQuerySet.as_manager()
    tenant_field = "report__client"

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.description[:60]}"


class InboundEmail(models.Model):
    """A received message and what was done with it, keyed by its Message-ID so
    that a message delivered twice is handled once."""

    message_id = models.CharField(max_length=998, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    outcome = models.CharField(max_length=20, choices=InboundOutcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.SET_NULL, null=True, blank=True
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject[:60]} ({self.get_outcome_display()})"


class OutgoingEmail(models.Model):
    """One notification sent about a ticket.

    The unique event key makes a notification impossible to send twice, and
    the Message-ID lets a reply find its ticket through In-Reply-To.
    """

    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="emails"
    )
    event_key = models.CharField(
        max_length=100, help_text="What the email announced, e.g. reply:42."
    )
    message_id = models.CharField(max_length=998, unique=True)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "ticket__client"

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "event_key"], name="outgoing_email_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_key} for ticket {self.ticket_id}"
