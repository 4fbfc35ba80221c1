"""Stored reports, their files, the emails announcing them and SLO results."""

from django.conf import settings
from django.db import models

from accounts.tenancy import TenantQuerySet
from reporting.choices import FileFormat, ReportKind, ReportState, SloKind
from reporting.periods import validate_past_period


class Report(models.Model):
    """One report of one client for one calendar month.

    There is exactly one row per client, kind and period: a rerun keeps the row
    and swaps its files in one transaction (see reporting.storage).
    """

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    period = models.DateField(help_text="First day of the month the report covers.")
    state = models.CharField(
        max_length=10, choices=ReportState.choices, default=ReportState.PENDING
    )
    progress = models.PositiveSmallIntegerField(
        default=0, help_text="Percent of the current run completed (0 to 100)."
    )
    error = models.TextField(
        blank=True, help_text="Why the last run failed, in words fit for users."
    )
    row_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-period", "client__name", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind", "period"], name="report_once_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period:%Y-%m} for {self.client}"

    def clean(self) -> None:
        if self.period and self.client_id:
            validate_past_period(self.period, self.client.zone)

    @property
    def is_finished(self) -> bool:
        return self.state in (ReportState.DONE, ReportState.FAILED)


def report_file_path(instance: "ReportFile", filename: str) -> str:
    report = instance.report
    return f"reports/{report.client_id}/{report.period:%Y-%m}/{filename}"


class ReportFile(models.Model):
    """One rendered format of a report, stored under MEDIA_ROOT."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=4, choices=FileFormat.choices)
    file = models.FileField(upload_to=report_file_path, max_length=300)
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file, hex.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "report__client"

    class Meta:
        ordering = ["format"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "format"], name="report_file_once_per_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} ({self.get_format_display()})"

    @property
    def download_name(self) -> str:
        report = self.report
        return f"{report.client.slug}-{report.kind}-{report.period:%Y-%m}.{self.format}"


class ReportNotification(models.Model):
    """The email telling one person that a report is ready; sent once."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "report__client"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "recipient"], name="report_notification_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} to {self.recipient}"


class SloResult(models.Model):
    """A service level objective measured for one client and month.

    `subject` names what was measured when a client has several, such as a
    monitored domain or a ticket priority. It is empty for a whole-client figure.
    """

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="slo_results"
    )
    period = models.DateField(help_text="First day of the month measured.")
    kind = models.CharField(max_length=30, choices=SloKind.choices)
    subject = models.CharField(max_length=500, blank=True)
    target = models.DecimalField(
        max_digits=6, decimal_places=3, help_text="Objective in percent."
    )
    achieved = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Measured percent; empty when nothing was measured.",
    )
    met = models.BooleanField(null=True, help_text="Empty when nothing was measured.")
    details = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-period", "client__name", "kind", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period", "kind", "subject"],
                name="slo_result_once_per_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject} {self.period:%Y-%m}".strip()
