"""Expiry notices, installation tasks, endpoint verification and domain checks."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantQuerySet
from monitoring.choices import (
    DriftKind,
    InstallationStatus,
    NoticeKind,
    VerificationOutcome,
)
from monitoring.targets import parse_target

DEFAULT_THRESHOLDS = [90, 60, 30, 14, 7, 3, 1]


def default_thresholds() -> list[int]:
    return list(DEFAULT_THRESHOLDS)


def validate_thresholds(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(
            "%(value)r is not a list of days. Give whole days such as 90, 30, 7.",
            code="invalid_thresholds",
            params={"value": value},
        )
    for item in value:
        if not isinstance(item, int) or isinstance(item, bool) or not 0 < item <= 365:
            raise ValidationError(
                "%(item)r is not a number of days between 1 and 365. "
                "Give whole days such as 90, 30, 7.",
                code="invalid_threshold",
                params={"item": item, "value": value},
            )


class MonitoringSettings(models.Model):
    """A client's choices for expiry notices and domain downtime alerts."""

    client = models.OneToOneField(
        "accounts.Client", on_delete=models.CASCADE, related_name="monitoring_settings"
    )
    track_client_owned = models.BooleanField(
        default=False,
        help_text="Also send expiry notices for certificates the client bought itself.",
    )
    thresholds = models.JSONField(
        default=default_thresholds,
        validators=[validate_thresholds],
        help_text="Days before expiry at which a notice goes out.",
    )
    downtime_after_failures = models.PositiveSmallIntegerField(
        default=3,
        help_text="Consecutive failed checks before a domain is reported down.",
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        verbose_name_plural = "monitoring settings"

    def __str__(self) -> str:
        return f"Monitoring settings of {self.client}"

    def clean(self) -> None:
        if isinstance(self.thresholds, list):
            self.thresholds = sorted(set(self.thresholds), reverse=True)
        if self.downtime_after_failures < 1:
            raise ValidationError(
                {
                    "downtime_after_failures": ValidationError(
                        "%(value)s failures cannot trigger an alert. Use 1 or more.",
                        code="invalid_failures",
                        params={"value": self.downtime_after_failures},
                    )
                }
            )


class ExpiryNotification(models.Model):
    """The record that one expiry notice went out; the constraint makes it once."""

    RENEWAL_WINDOW = 0  # threshold_days value used for "renewal window opened"

    certificate = models.ForeignKey(
        "certificates.Certificate",
        on_delete=models.CASCADE,
        related_name="expiry_notifications",
    )
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    threshold_days = models.PositiveSmallIntegerField()
    days_left = models.IntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "certificate__client"

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "kind", "threshold_days"],
                name="expiry_notification_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.threshold_days} d: {self.certificate}"


class Notice(models.Model):
    """An in-portal message to one person, with its own read state."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="notices"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    certificate = models.ForeignKey(
        "certificates.Certificate",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class InstallationTask(models.Model):
    """A request to install a certificate on an endpoint, closed by verification."""

    endpoint = models.ForeignKey(
        "certificates.Endpoint",
        on_delete=models.CASCADE,
        related_name="installation_tasks",
    )
    certificate = models.ForeignKey(
        "certificates.Certificate",
        on_delete=models.CASCADE,
        related_name="installation_tasks",
    )
    status = models.CharField(
        max_length=20,
        choices=InstallationStatus.choices,
        default=InstallationStatus.OPEN,
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "endpoint__client"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "certificate"],
                condition=Q(status=InstallationStatus.OPEN),
                name="installation_task_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"Install {self.certificate.common_name} on {self.endpoint}"


class VerificationResult(models.Model):
    """The chain an endpoint served when probed, compared with the expected one."""

    endpoint = models.ForeignKey(
        "certificates.Endpoint",
        on_delete=models.CASCADE,
        related_name="verification_results",
    )
    expected_certificate = models.ForeignKey(
        "certificates.Certificate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=20, choices=VerificationOutcome.choices)
    address = models.CharField(max_length=45, blank=True)
    served_fingerprint_sha256 = models.CharField(max_length=64, blank=True)
    served_common_name = models.CharField(max_length=253, blank=True)
    fingerprint_matches = models.BooleanField(default=False)
    chain_complete = models.BooleanField(default=False)
    name_matches = models.BooleanField(default=False)
    protocol = models.CharField(max_length=20, blank=True)
    days_left = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "endpoint__client"

    class Meta:
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.get_outcome_display()}"

    @property
    def passed(self) -> bool:
        return self.outcome == VerificationOutcome.MATCH


class DriftAlert(models.Model):
    """A drift of an endpoint away from its expected certificate, raised once."""

    endpoint = models.ForeignKey(
        "certificates.Endpoint", on_delete=models.CASCADE, related_name="drift_alerts"
    )
    kind = models.CharField(max_length=20, choices=DriftKind.choices)
    served_fingerprint_sha256 = models.CharField(max_length=64)
    detail = models.TextField()
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "endpoint__client"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "kind", "served_fingerprint_sha256"],
                condition=Q(resolved_at__isnull=True),
                name="drift_alert_once_while_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.get_kind_display()}"


class RenewalEscalation(models.Model):
    """A ticket raised because a renewal was not installed a week before expiry."""

    certificate = models.OneToOneField(
        "certificates.Certificate",
        on_delete=models.CASCADE,
        related_name="renewal_escalation",
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "certificate__client"

    def __str__(self) -> str:
        return f"Renewal escalation for {self.certificate}"


class MonitoredDomain(models.Model):
    """A URL or host:port whose availability is measured against the objective."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="monitored_domains"
    )
    target = models.CharField(
        max_length=500,
        help_text="An https:// or http:// URL, or host:port for a TLS-only check.",
    )
    interval_seconds = models.PositiveIntegerField(
        default=300, help_text="Seconds between checks (60 to 86400)."
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        default=10, help_text="Seconds before a check counts as failed (1 to 60)."
    )
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["target"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "target"],
                name="monitored_domain_unique_per_client",
                violation_error_code="duplicate_target",
                violation_error_message="This client already monitors this target.",
            )
        ]

    def __str__(self) -> str:
        return self.target

    def clean(self) -> None:
        errors = {}
        try:
            self.target = parse_target(self.target or "").text
        except ValidationError as exc:
            errors["target"] = exc
        if self.interval_seconds is not None and not (
            60 <= self.interval_seconds <= 86400
        ):
            errors["interval_seconds"] = ValidationError(
                "%(value)s seconds is outside 60 to 86400. "
                "Choose an interval between one minute and one day.",
                code="invalid_interval",
                params={"value": self.interval_seconds},
            )
        if self.timeout_seconds is not None and not 1 <= self.timeout_seconds <= 60:
            errors["timeout_seconds"] = ValidationError(
                "%(value)s seconds is outside 1 to 60. Choose a timeout in that range.",
                code="invalid_timeout",
                params={"value": self.timeout_seconds},
            )
        if errors:
            raise ValidationError(errors)


class DomainCheck(models.Model):
    """One raw check; rolled up into DomainDailySummary and pruned later."""

    domain = models.ForeignKey(
        MonitoredDomain, on_delete=models.CASCADE, related_name="checks"
    )
    checked_at = models.DateTimeField(db_index=True)
    succeeded = models.BooleanField()
    dns_ms = models.FloatField(null=True, blank=True)
    connect_ms = models.FloatField(null=True, blank=True)
    tls_ms = models.FloatField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    total_ms = models.FloatField(null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "domain__client"

    class Meta:
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["domain", "checked_at"])]

    def __str__(self) -> str:
        state = "ok" if self.succeeded else self.failure_reason
        return f"{self.domain} at {self.checked_at:%Y-%m-%d %H:%M}: {state}"


class DomainDailySummary(models.Model):
    """A day of checks of one domain: counts and a response-time histogram."""

    domain = models.ForeignKey(
        MonitoredDomain, on_delete=models.CASCADE, related_name="daily_summaries"
    )
    day = models.DateField()
    checks = models.PositiveIntegerField()
    successes = models.PositiveIntegerField()
    # Milliseconds bucket (as text, JSON keys are strings) -> successful checks.
    response_histogram = models.JSONField(default=dict)

    objects = TenantQuerySet.as_manager()
    tenant_field = "domain__client"

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "day"], name="domain_daily_summary_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain} on {self.day}"


class AvailabilityBreach(models.Model):
    """A month in which a domain was available less than the objective.

    Read by the SLO report; one row per domain and month.
    """

    domain = models.ForeignKey(
        MonitoredDomain, on_delete=models.CASCADE, related_name="breaches"
    )
    month = models.DateField(help_text="First day of the month.")
    availability_percent = models.DecimalField(max_digits=7, decimal_places=4)
    objective_percent = models.DecimalField(max_digits=7, decimal_places=4)
    checks = models.PositiveIntegerField()
    recorded_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "domain__client"

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "month"], name="availability_breach_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain} {self.month:%Y-%m}: {self.availability_percent}%"


class DowntimeEvent(models.Model):
    """A period in which a domain was down; its alert and recovery go out once."""

    domain = models.ForeignKey(
        MonitoredDomain, on_delete=models.CASCADE, related_name="downtime_events"
    )
    started_at = models.DateTimeField()
    recovered_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "domain__client"

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(recovered_at__isnull=True),
                name="downtime_one_open_per_domain",
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain} down since {self.started_at:%Y-%m-%d %H:%M}"
