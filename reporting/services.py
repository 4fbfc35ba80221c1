"""Report workflows shared by the portal, the API, the admin and the Celery tasks."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Client, User
from accounts.roles import Role
from audit.models import AuditAction
from audit.services import record
from reporting import service_review, slo, storage
from reporting.choices import FileFormat, ReportKind, ReportState
from reporting.inventory import (
    ReportScope,
    SummaryCounter,
    included_certificates,
    iter_rows,
)
from reporting.models import Report, ReportNotification
from reporting.periods import due_period, local_today, month_start
from reporting.renderers import (
    ATTENTION_DAYS,
    ReportHeading,
    XlsxReportWriter,
    csv_header,
    csv_line,
    pdf_story,
    write_pdf,
)

logger = logging.getLogger(__name__)

# People who receive and may download a client's reports.
REPORT_ROLES = frozenset(
    {
        Role.CLIENT_ADMIN,
        Role.SERVICE_DELIVERY_MANAGER,
        Role.TECHNICAL_ACCOUNT_MANAGER,
        Role.ADMINISTRATOR,
    }
)
# Rows between two progress updates of the report row.
PROGRESS_EVERY = 500
FAILED_MESSAGE = (
    "Generating the report failed, and the error is logged for the service team. "
    "Start the report again or contact your service delivery manager."
)


def request_report(client: Client, period, user=None, kind=ReportKind.SSL_MONTHLY):
    """Create or reset the report of `client` for `period` and queue its generation.

    A report already pending or running is returned as it is, so a double click
    starts one run. Raises ValidationError on "period" for a month that has not
    ended in the client's time zone, and on "kind" for a service review of a
    client without the SDM option.
    """
    candidate = Report(client=client, kind=kind, period=period, requested_by=user)
    candidate.full_clean(
        exclude=["requested_by"], validate_unique=False, validate_constraints=False
    )
    validate_kind_for_client(client, kind, period)
    with transaction.atomic():
        report, created = _lock_or_create(client, kind, period, user)
        if created:
            _enqueue(report.pk, notify=False)
            return report
        if report.state in (ReportState.PENDING, ReportState.RUNNING) and not _stale(
            report
        ):
            return report
        report.state = ReportState.PENDING
        report.progress = 0
        report.error = ""
        report.requested_by = user
        report.requested_at = timezone.now()
        report.save(
            update_fields=["state", "progress", "error", "requested_by", "requested_at"]
        )
        _enqueue(report.pk, notify=False)
    return report


def _lock_or_create(client, kind, period, user) -> tuple[Report, bool]:
    """Return the report row locked for this transaction, creating it if missing.

    get_or_create() falls back to a read when a concurrent insert wins the
    uniqueness constraint, so two callers never make two rows.
    """
    _, created = Report.objects.get_or_create(
        client=client, kind=kind, period=period, defaults={"requested_by": user}
    )
    report = Report.objects.select_for_update().get(
        client=client, kind=kind, period=period
    )
    return report, created


def _stale(report: Report) -> bool:
    """Return True when a run has held the report longer than a task may live."""
    moments = [moment for moment in (report.started_at, report.requested_at) if moment]
    since = max(moments, default=None)
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)
    return since is None or timezone.now() - since > limit


def _enqueue(report_id: int, notify: bool) -> None:
    from reporting.tasks import generate_report

    transaction.on_commit(lambda: generate_report.delay(report_id, notify=notify))


def generate_report(report_id: int, notify: bool = False) -> Report | None:
    """Render a report's files, swap them in and, when asked, email the recipients.

    Any failure leaves the previous files in place and the row marked failed with
    a message fit for users; the exception itself is logged.
    """
    report = Report.objects.select_related("client").filter(pk=report_id).first()
    if report is None:
        logger.info("report generation skipped report=%s reason=deleted", report_id)
        return None
    Report.objects.filter(pk=report_id).update(
        state=ReportState.RUNNING, progress=0, started_at=timezone.now()
    )
    render = RENDERERS[report.kind]
    try:
        files, row_count, summary = render(report)
    except Exception:
        logger.exception("report generation failed report=%s", report_id)
        Report.objects.filter(pk=report_id).update(
            state=ReportState.FAILED, error=FAILED_MESSAGE
        )
        return None
    try:
        report = storage.swap_in(report_id, files, row_count, summary)
    except Exception:
        storage.discard(files)
        logger.exception("report swap failed report=%s", report_id)
        Report.objects.filter(pk=report_id).update(
            state=ReportState.FAILED, error=FAILED_MESSAGE
        )
        return None
    logger.info(
        "report generated report=%s client=%s period=%s rows=%s",
        report.pk,
        report.client_id,
        report.period,
        row_count,
    )
    if notify:
        notify_recipients(report)
    return report


def _set_progress(report_id: int, percent: int) -> None:
    Report.objects.filter(pk=report_id).update(progress=min(percent, 99))


def _render_ssl_monthly(report: Report):
    """Render CSV, XLSX and PDF in one pass over the rows; return the stored files."""
    client = report.client
    scope = ReportScope(client.pk, report.period, client.zone)
    heading = ReportHeading(client.name, report.period, scope.as_of)
    total = included_certificates(scope).count() or 1
    counter = SummaryCounter()
    attention = []
    stored: list[storage.StoredFile] = []
    try:
        with (
            storage.temporary_file() as csv_file,
            storage.temporary_file() as xlsx_file,
        ):
            xlsx = XlsxReportWriter(xlsx_file)
            csv_file.write(csv_header().encode())
            for row in iter_rows(scope):
                csv_file.write(csv_line(row).encode())
                xlsx.add(row)
                counter.add(row)
                if row.days_left <= ATTENTION_DAYS:
                    attention.append(row)
                if counter.total % PROGRESS_EVERY == 0:
                    _set_progress(report.pk, 5 + 80 * counter.total // total)
            summary = counter.as_dict()
            xlsx.finish(summary, heading)
            _set_progress(report.pk, 88)
            stored.append(storage.store(report, FileFormat.CSV, csv_file))
            stored.append(storage.store(report, FileFormat.XLSX, xlsx_file))
        with storage.temporary_file() as pdf_file:
            write_pdf(pdf_story(heading, summary, attention), heading, pdf_file)
            stored.append(storage.store(report, FileFormat.PDF, pdf_file))
    except BaseException:
        storage.discard(stored)
        raise
    _set_progress(report.pk, 98)
    return stored, counter.total, summary


def _render_service_review(report: Report):
    """Refresh the month's SLO results, then render the review as XLSX and PDF."""
    client = report.client
    slo.compute_results(client, report.period)
    review = service_review.collect(client, report.period)
    _set_progress(report.pk, 50)
    stored: list[storage.StoredFile] = []
    try:
        with storage.temporary_file() as xlsx_file:
            service_review.write_xlsx(review, xlsx_file)
            stored.append(storage.store(report, FileFormat.XLSX, xlsx_file))
        with storage.temporary_file() as pdf_file:
            service_review.write_pdf(review, pdf_file)
            stored.append(storage.store(report, FileFormat.PDF, pdf_file))
    except BaseException:
        storage.discard(stored)
        raise
    summary = {
        "tickets_opened": sum(review.opened_by_priority.values()),
        "tickets_closed": sum(review.closed_by_priority.values()),
        "slo_breaches": sum(1 for r in review.slo_results if r.met is False),
        "p1_incidents": len(review.incidents),
    }
    return stored, len(review.slo_results), summary


RENDERERS = {
    ReportKind.SSL_MONTHLY: _render_ssl_monthly,
    ReportKind.SERVICE_REVIEW: _render_service_review,
}


def report_recipients(client: Client):
    """Return the active people with an email address who receive the reports."""
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(role=Role.CLIENT_ADMIN, client=client)
            | Q(
                role__in=[
                    Role.SERVICE_DELIVERY_MANAGER,
                    Role.TECHNICAL_ACCOUNT_MANAGER,
                ],
                assigned_clients=client,
            )
        )
        .distinct()
        .order_by("pk")
    )


def notify_recipients(report: Report) -> int:
    """Email each recipient once per report; return how many emails were sent.

    The notification row is created before the email goes out, so a rerun or a
    second worker finds it and sends nothing. An email that failed is retried on
    the next call because its row has no sent_at.
    """
    sent = 0
    for person in report_recipients(report.client):
        notification, _ = ReportNotification.objects.get_or_create(
            report=report, recipient=person
        )
        if notification.sent_at is not None:
            continue
        claimed = ReportNotification.objects.filter(
            pk=notification.pk, sent_at__isnull=True
        ).update(sent_at=timezone.now())
        if not claimed:
            continue
        try:
            _send_ready_email(report, person)
        except OSError:
            ReportNotification.objects.filter(pk=notification.pk).update(sent_at=None)
            logger.exception(
                "report email failed report=%s recipient=%s", report.pk, person.pk
            )
            continue
        sent += 1
    return sent


def _send_ready_email(report: Report, person) -> None:
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "reporting:report_detail", kwargs={"pk": report.pk}
    )
    context = {"report": report, "person": person, "link": link}
    subject = f"{report.get_kind_display()} {report.period:%Y-%m} for {report.client}"
    send_mail(
        subject=subject,
        message=render_to_string("reporting/email/report_ready.txt", context),
        from_email=None,
        recipient_list=[person.email],
    )


def generate_due_reports(now=None) -> int:
    """Queue the previous month's reports of every client that lacks them.

    Every client gets the SSL certificate report; clients with the SDM option
    also get the service review. Runs hourly: a client's reports become due
    when its local date reaches the 1st, and one still missing later (a failed
    run, a worker outage) is caught up by the next run. Done reports only get
    their pending emails sent. Returns how many generations were queued.
    """
    queued = 0
    for client in Client.objects.order_by("pk"):
        period = due_period(client, now)
        start_of_next = month_start(local_today(client.zone, now))
        if client.created_at.astimezone(client.zone).date() >= start_of_next:
            continue
        queued += _ensure_report(client, period, ReportKind.SSL_MONTHLY)
        if service_review.has_sdm_option(client, period):
            queued += _ensure_report(client, period, ReportKind.SERVICE_REVIEW)
    return queued


def _ensure_report(client: Client, period, kind: str) -> int:
    with transaction.atomic():
        report, created = _lock_or_create(client, kind, period, None)
        if created:
            _enqueue(report.pk, notify=True)
            return 1
        if report.state == ReportState.DONE:
            transaction.on_commit(lambda: notify_recipients(report))
            return 0
        if report.state in (ReportState.PENDING, ReportState.RUNNING) and not _stale(
            report
        ):
            return 0
        report.state = ReportState.PENDING
        report.progress = 0
        report.requested_at = timezone.now()
        report.save(update_fields=["state", "progress", "requested_at"])
        _enqueue(report.pk, notify=True)
    return 1


def record_download(report_file, request) -> None:
    record(
        AuditAction.REPORT_DOWNLOADED,
        report_file.report,
        client=report_file.report.client,
        request=request,
        format=report_file.format,
        sha256=report_file.sha256,
    )


def validate_kind_for_client(client: Client, kind: str, period) -> None:
    """Reject a service review for a client without the SDM option that month."""
    if kind == ReportKind.SERVICE_REVIEW and not service_review.has_sdm_option(
        client, period
    ):
        raise ValidationError(
            {
                "kind": ValidationError(
                    "%(client)s had no Service Delivery Manager subscription in "
                    "%(month)s, so it has no service review report. Choose the "
                    "monthly SSL certificate report instead.",
                    code="no_sdm_option",
                    params={"client": client.name, "month": period.strftime("%Y-%m")},
                )
            }
        )
