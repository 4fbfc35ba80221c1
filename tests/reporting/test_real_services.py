"""The report run by a real Celery worker, and two runs racing on PostgreSQL."""

import threading
import time
from datetime import UTC, date, datetime

import pytest
from django.db import connections

from accounts.models import Client
from reporting import services, tasks
from reporting.choices import ReportState
from reporting.models import Report, ReportFile
from tests.reporting.factories import PERIOD, add_certificates, at

# Upper bound on waiting for a worker; it only ends a hung test.
WAIT_SECONDS = 90


@pytest.fixture
def celery_worker_env(media_root) -> dict[str, str]:
    return {"MEDIA_ROOT": str(media_root)}


def _wait_until_finished(report_id: int) -> Report:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        report = Report.objects.get(pk=report_id)
        if report.is_finished:
            return report
        time.sleep(0.2)
    pytest.fail(f"report {report_id} did not finish within {WAIT_SECONDS} seconds")


def _files_on_disk(media_root) -> list[str]:
    return sorted(path.name for path in media_root.rglob("*") if path.is_file())


@pytest.mark.services
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_generates_requested_report(celery_worker, client_a, media_root):
    add_certificates(client_a, 25, at(date(2025, 3, 20)))

    report = services.request_report(client_a, PERIOD)
    report = _wait_until_finished(report.pk)

    assert report.state == ReportState.DONE
    assert report.progress == 100
    assert report.row_count == 25
    names = {item.file.name.rsplit("/", 1)[1] for item in report.files.all()}
    assert len(names) == 3
    assert set(_files_on_disk(media_root)) == names


@pytest.mark.services
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_runs_monthly_job(celery_worker, client_a):
    Client.objects.filter(pk=client_a.pk).update(
        created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )

    assert tasks.generate_monthly_reports.delay().get(timeout=WAIT_SECONDS) == 1

    report = Report.objects.get(client=client_a)
    assert _wait_until_finished(report.pk).state == ReportState.DONE
    assert report.period == services.due_period(client_a)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_runs_leave_one_set(postgresql, client_a, media_root):
    add_certificates(client_a, 50, at(date(2025, 3, 20)))
    report = Report.objects.create(client=client_a, kind="ssl_monthly", period=PERIOD)
    start = threading.Barrier(2)
    errors = []

    def run() -> None:
        try:
            start.wait()
            services.generate_report(report.pk)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report.refresh_from_db()
    assert report.state == ReportState.DONE
    assert Report.objects.filter(client=client_a).count() == 1
    assert ReportFile.objects.filter(report=report).count() == 3
    stored = {item.file.name.rsplit("/", 1)[1] for item in report.files.all()}
    assert set(_files_on_disk(media_root)) == stored
