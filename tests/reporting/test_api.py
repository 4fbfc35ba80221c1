"""REST API of the reports."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from reporting import services
from reporting.models import Report
from tests.reporting.factories import PERIOD, add_certificates, at, stored_report

LIST_URL = reverse("api:report-list")


@pytest.fixture
def done_report(client_a, run_on_commit):
    add_certificates(client_a, 2, at(date(2025, 3, 20)))
    with run_on_commit():
        report = services.request_report(client_a, PERIOD)
    report.refresh_from_db()
    return report


def test_list_scoped_to_client(client, client_admin_a, client_b, done_report):
    stored_report(client_b)
    client.force_login(client_admin_a)
    payload = client.get(LIST_URL).json()

    assert payload["count"] == 1
    item = payload["results"][0]
    assert item["client"] == "alpha"
    assert item["period"] == "2025-03-01"
    assert item["state"] == "done"
    assert item["row_count"] == 2
    assert sorted(item["downloads"]) == ["csv", "pdf", "xlsx"]
    csv_link = item["downloads"]["csv"]
    assert csv_link["url"] == "http://testserver" + reverse(
        "api:report-download", kwargs={"pk": done_report.pk, "file_format": "csv"}
    )
    assert csv_link["sha256"] == done_report.files.get(format="csv").sha256


def test_client_user_forbidden(client, client_user_a, done_report):
    client.force_login(client_user_a)
    response = client.get(LIST_URL)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Your role cannot use this endpoint."


def test_detail_of_other_client_404(client, client_admin_b, done_report):
    client.force_login(client_admin_b)
    url = reverse("api:report-detail", kwargs={"pk": done_report.pk})
    assert client.get(url).status_code == 404


def test_create_queues_report(client, sdm_a, client_a, run_on_commit):
    client.force_login(sdm_a)
    with run_on_commit():
        response = client.post(
            LIST_URL,
            {"client": client_a.pk, "period": "2025-03"},
            content_type="application/json",
        )

    assert response.status_code == 202
    report = Report.objects.get()
    assert response.json()["id"] == report.pk
    assert report.requested_by == sdm_a
    assert report.period == PERIOD


def test_create_rejects_current_month(client, client_admin_a, client_a):
    from django.utils import timezone

    from reporting.periods import month_start

    month = month_start(timezone.now().astimezone(client_a.zone).date()).strftime(
        "%Y-%m"
    )
    client.force_login(client_admin_a)
    response = client.post(
        LIST_URL,
        {"client": client_a.pk, "period": month},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "period": [
            f"{month} has not ended yet in the client's time zone. "
            f"Choose a month before {month}."
        ]
    }
    assert not Report.objects.exists()


def test_create_rejects_bad_month(client, client_admin_a, client_a):
    client.force_login(client_admin_a)
    response = client.post(
        LIST_URL,
        {"client": client_a.pk, "period": "2025-3"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "period": ["'2025-3' is not a month. Use the form YYYY-MM, e.g. 2026-01."]
    }


def test_create_rejects_other_client(client, client_admin_a, client_b):
    client.force_login(client_admin_a)
    response = client.post(
        LIST_URL,
        {"client": client_b.pk, "period": "2025-03"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "client": [f'Invalid pk "{client_b.pk}" - object does not exist.']
    }
    assert not Report.objects.exists()


def test_download_audited(client, client_admin_a, done_report):
    client.force_login(client_admin_a)
    url = reverse(
        "api:report-download", kwargs={"pk": done_report.pk, "file_format": "xlsx"}
    )
    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    event = AuditEvent.objects.get(action=AuditAction.REPORT_DOWNLOADED)
    assert event.detail["format"] == "xlsx"
    assert event.actor == client_admin_a


def test_schema_lists_report_endpoints(client, administrator):
    client.force_login(administrator)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    assert "/api/v1/reports/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/reports/"]
    assert "/api/v1/reports/{id}/download/{file_format}/" in schema["paths"]


def test_list_queries_constant(
    client, administrator, client_a, django_assert_max_num_queries
):
    from datetime import date as day

    for year in range(2000, 2010):
        stored_report(client_a, day(year, 1, 1))
    client.force_login(administrator)
    with django_assert_max_num_queries(6):
        assert client.get(LIST_URL).json()["count"] == 10
    for year in range(2010, 2100):
        stored_report(client_a, day(year, 1, 1))
    with django_assert_max_num_queries(6):
        assert client.get(LIST_URL).json()["count"] == 100
