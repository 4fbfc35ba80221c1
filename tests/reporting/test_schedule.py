"""The hourly job that makes each client's monthly report, and its emails."""

from datetime import UTC, date, datetime

from django.conf import settings
from django.core import mail
from django.core.cache import cache

from accounts.models import Client
from accounts.roles import Role
from reporting import services, tasks
from reporting.choices import ReportState
from reporting.models import Report, ReportNotification
from tests.conftest import make_person

# 1 December 2026, 00:30 UTC: December in London, still 30 November in Los Angeles.
FIRST_IN_LONDON = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
# 1 December 2026, 08:30 UTC: 00:30 on 1 December in Los Angeles.
FIRST_IN_LOS_ANGELES = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
NOVEMBER = date(2026, 11, 1)
OCTOBER = date(2026, 10, 1)


def _backdate(*clients) -> None:
    Client.objects.filter(pk__in=[c.pk for c in clients]).update(
        created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )


def _periods(client) -> list[date]:
    return list(
        Report.objects.filter(client=client)
        .order_by("period")
        .values_list("period", flat=True)
    )


def test_reports_made_on_local_first(client_a, client_b, run_on_commit):
    client_b.time_zone = "America/Los_Angeles"
    client_b.save()
    _backdate(client_a, client_b)
    Report.objects.create(
        client=client_b, kind="ssl_monthly", period=OCTOBER, state=ReportState.DONE
    )

    with run_on_commit():
        queued = services.generate_due_reports(FIRST_IN_LONDON)

    assert queued == 1
    assert _periods(client_a) == [NOVEMBER]
    assert _periods(client_b) == [OCTOBER]
    assert Report.objects.get(client=client_a).state == ReportState.DONE


def test_report_made_later_in_other_zone(client_b, run_on_commit):
    client_b.time_zone = "America/Los_Angeles"
    client_b.save()
    _backdate(client_b)
    Report.objects.create(
        client=client_b, kind="ssl_monthly", period=OCTOBER, state=ReportState.DONE
    )

    with run_on_commit():
        services.generate_due_reports(FIRST_IN_LOS_ANGELES)

    assert _periods(client_b) == [OCTOBER, NOVEMBER]


def test_second_run_changes_nothing(client_a, run_on_commit):
    _backdate(client_a)
    with run_on_commit():
        services.generate_due_reports(FIRST_IN_LONDON)
    report = Report.objects.get(client=client_a)

    with run_on_commit():
        queued = services.generate_due_reports(FIRST_IN_LONDON)

    assert queued == 0
    again = Report.objects.get(client=client_a)
    assert again.generated_at == report.generated_at
    assert again.files.count() == 3


def test_failed_report_retried(client_a, run_on_commit):
    _backdate(client_a)
    Report.objects.create(
        client=client_a,
        kind="ssl_monthly",
        period=NOVEMBER,
        state=ReportState.FAILED,
        error=services.FAILED_MESSAGE,
    )

    with run_on_commit():
        queued = services.generate_due_reports(FIRST_IN_LONDON)

    assert queued == 1
    report = Report.objects.get(client=client_a)
    assert report.state == ReportState.DONE
    assert report.error == ""


def test_new_client_skipped(client_a, run_on_commit):
    Client.objects.filter(pk=client_a.pk).update(
        created_at=datetime(2026, 12, 1, 0, 10, tzinfo=UTC)
    )
    with run_on_commit():
        queued = services.generate_due_reports(FIRST_IN_LONDON)
    assert queued == 0
    assert _periods(client_a) == []


def test_emails_go_to_report_roles(
    client_a,
    client_user_a,
    client_admin_a,
    sdm_a,
    tam_a,
    client_admin_b,
    analyst,
    run_on_commit,
):
    _backdate(client_a)
    other_sdm = make_person("oli.sdm", Role.SERVICE_DELIVERY_MANAGER)
    other_sdm.assigned_clients.add(client_admin_b.client)

    with run_on_commit():
        services.generate_due_reports(FIRST_IN_LONDON)

    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == [
        "amy.admin@example.com",
        "sam.sdm@example.com",
        "tia.tam@example.com",
    ]
    message = mail.outbox[0]
    assert message.subject == (
        "Monthly SSL certificate report 2026-11 for Alpha Retail Ltd"
    )
    report = Report.objects.get(client=client_a)
    assert f"{settings.PORTAL_BASE_URL}/reports/{report.pk}/" in message.body
    assert "November 2026 is ready" in message.body


def test_emails_sent_once(client_a, client_admin_a, sdm_a, run_on_commit):
    _backdate(client_a)
    with run_on_commit():
        services.generate_due_reports(FIRST_IN_LONDON)
    with run_on_commit():
        services.generate_due_reports(FIRST_IN_LONDON)
    report = Report.objects.get(client=client_a)
    services.notify_recipients(report)

    assert len(mail.outbox) == 2
    assert ReportNotification.objects.filter(report=report).count() == 2


def test_failed_email_retried(client_a, client_admin_a, run_on_commit, monkeypatch):
    _backdate(client_a)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(services, "send_mail", refuse)
    with run_on_commit():
        services.generate_due_reports(FIRST_IN_LONDON)
    notification = ReportNotification.objects.get()
    assert notification.sent_at is None

    monkeypatch.undo()
    with run_on_commit():
        services.generate_due_reports(FIRST_IN_LONDON)

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_on_demand_report_sends_no_email(client_a, client_admin_a, run_on_commit):
    with run_on_commit():
        services.request_report(client_a, date(2025, 3, 1), client_admin_a)
    assert mail.outbox == []


def test_job_skipped_while_locked(client_a):
    _backdate(client_a)
    cache.add("job-lock:reporting.generate_monthly_reports", "1", 60)
    try:
        assert tasks.generate_monthly_reports.delay().get() is None
    finally:
        cache.delete("job-lock:reporting.generate_monthly_reports")
    assert _periods(client_a) == []


def test_beat_schedule_lists_jobs():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert (
        schedule["reporting-monthly-reports"]["task"]
        == "reporting.generate_monthly_reports"
    )
    assert schedule["reporting-slo-results"]["task"] == "reporting.compute_slo_results"
