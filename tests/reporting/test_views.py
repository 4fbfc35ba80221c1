"""Portal pages of the reports: roles, requests, progress and downloads."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from reporting.choices import ReportState
from reporting.models import Report
from reporting.periods import month_start
from tests.reporting.factories import PERIOD, add_certificates, at, stored_report

LIST_URL = reverse("reporting:report_list")


@pytest.fixture
def done_report(client_a, run_on_commit):
    from reporting import services

    add_certificates(client_a, 3, at(date(2025, 3, 20)))
    with run_on_commit():
        report = services.request_report(client_a, PERIOD)
    report.refresh_from_db()
    return report


@pytest.mark.parametrize(
    "persona", ["client_admin_a", "sdm_a", "tam_a", "administrator"]
)
def test_list_open_to_report_roles(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(LIST_URL).status_code == 200


@pytest.mark.parametrize("persona", ["client_user_a", "analyst"])
def test_list_forbidden_to_others(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(LIST_URL).status_code == 403


def test_anonymous_sent_to_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_client_user_cannot_download(client, client_user_a, done_report):
    client.force_login(client_user_a)
    url = reverse("reporting:report_download", args=[done_report.pk, "csv"])
    assert client.get(url).status_code == 403


def test_other_client_report_not_found(client, client_admin_b, done_report):
    client.force_login(client_admin_b)
    assert (
        client.get(
            reverse("reporting:report_detail", args=[done_report.pk])
        ).status_code
        == 404
    )


def test_unassigned_sdm_gets_404(client, client_b, done_report):
    from accounts.roles import Role
    from tests.conftest import make_person

    other = make_person("oli.sdm", Role.SERVICE_DELIVERY_MANAGER)
    other.assigned_clients.add(client_b)
    client.force_login(other)
    url = reverse("reporting:report_download", args=[done_report.pk, "pdf"])
    assert client.get(url).status_code == 404


def test_list_shows_only_own_reports(client, client_admin_a, client_b, done_report):
    stored_report(client_b)
    client.force_login(client_admin_a)
    content = client.get(LIST_URL).content.decode()
    assert "Alpha Retail Ltd" in content
    assert "Bravo Secret Holdings" not in content


def test_request_starts_generation(client, client_admin_a, run_on_commit):
    client.force_login(client_admin_a)
    with run_on_commit():
        response = client.post(
            LIST_URL,
            {
                "client": client_admin_a.client_id,
                "kind": "ssl_monthly",
                "period": "2025-03",
            },
        )

    report = Report.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reporting:report_detail", args=[report.pk])
    assert report.period == PERIOD
    assert report.requested_by == client_admin_a
    assert report.state == ReportState.DONE


def test_request_rejects_bad_month(client, client_admin_a):
    client.force_login(client_admin_a)
    response = client.post(
        LIST_URL,
        {"client": client_admin_a.client_id, "kind": "ssl_monthly", "period": "March"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "period": ["'March' is not a month. Use the form YYYY-MM, e.g. 2026-01."]
    }
    assert not Report.objects.exists()


def test_request_rejects_current_month(client, client_admin_a):
    client.force_login(client_admin_a)
    current = month_start(timezone.now().astimezone(client_admin_a.client.zone).date())
    response = client.post(
        LIST_URL,
        {
            "client": client_admin_a.client_id,
            "kind": "ssl_monthly",
            "period": current.strftime("%Y-%m"),
        },
    )

    month = current.strftime("%Y-%m")
    assert response.context["form"].errors == {
        "period": [
            f"{month} has not ended yet in the client's time zone. "
            f"Choose a month before {month}."
        ]
    }
    assert not Report.objects.exists()


def test_request_rejects_other_client(client, client_admin_a, client_b):
    client.force_login(client_admin_a)
    response = client.post(
        LIST_URL, {"client": client_b.pk, "kind": "ssl_monthly", "period": "2025-03"}
    )

    assert response.context["form"].errors == {
        "client": [
            "Select a valid choice. That choice is not one of the available choices."
        ]
    }
    assert not Report.objects.exists()


def test_double_request_keeps_one_run(client_a, client_admin_a):
    from reporting import services

    first = services.request_report(client_a, PERIOD, client_admin_a)
    second = services.request_report(client_a, PERIOD, client_admin_a)

    assert first.pk == second.pk
    assert Report.objects.count() == 1
    assert second.state == ReportState.PENDING


def test_detail_page_loads_progress_script(client, client_admin_a, done_report):
    client.force_login(client_admin_a)
    response = client.get(reverse("reporting:report_detail", args=[done_report.pk]))
    content = response.content.decode()

    assert response.status_code == 200
    assert 'src="/static/js/report-progress.js"' in content
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content) is None
    status_url = reverse("reporting:report_status", args=[done_report.pk])
    assert f'data-status-url="{status_url}"' in content


def test_status_reports_progress(client, sdm_a, done_report):
    client.force_login(sdm_a)
    response = client.get(reverse("reporting:report_status", args=[done_report.pk]))

    assert response.json() == {
        "state": "done",
        "state_label": "Ready",
        "progress": 100,
        "error": "",
        "finished": True,
        "downloads": {
            file_format: reverse(
                "reporting:report_download", args=[done_report.pk, file_format]
            )
            for file_format in ("csv", "pdf", "xlsx")
        },
    }


def test_status_of_pending_report(client, client_admin_a, client_a):
    report = Report.objects.create(client=client_a, kind="ssl_monthly", period=PERIOD)
    client.force_login(client_admin_a)
    payload = client.get(reverse("reporting:report_status", args=[report.pk])).json()

    assert payload["state"] == "pending"
    assert payload["finished"] is False
    assert payload["downloads"] == {}


def test_download_streams_and_audits(client, tam_a, done_report):
    client.force_login(tam_a)
    response = client.get(
        reverse("reporting:report_download", args=[done_report.pk, "csv"])
    )
    body = b"".join(response.streaming_content)
    item = done_report.files.get(format="csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="alpha-ssl_monthly-2025-03.csv"'
    )
    assert response["X-Checksum-SHA256"] == item.sha256
    assert body.startswith(b"Common name,Names,Issuer")
    event = AuditEvent.objects.get(action=AuditAction.REPORT_DOWNLOADED)
    assert event.actor == tam_a
    assert event.client == done_report.client
    assert event.object_id == str(done_report.pk)
    assert event.detail == {"format": "csv", "sha256": item.sha256}


def test_download_unknown_format_404(client, client_admin_a, done_report):
    client.force_login(client_admin_a)
    url = reverse("reporting:report_download", args=[done_report.pk, "docx"])
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_DOWNLOADED).exists()


def test_download_missing_file_404(client, client_admin_a, client_a):
    report = stored_report(client_a)
    client.force_login(client_admin_a)
    url = reverse("reporting:report_download", args=[report.pk, "pdf"])
    assert client.get(url).status_code == 404


def test_menu_and_panel_for_client_admin(client, client_admin_a, done_report):
    client.force_login(client_admin_a)
    content = client.get(reverse("dashboard")).content.decode()
    assert f'href="{LIST_URL}"' in content
    assert reverse("reporting:report_detail", args=[done_report.pk]) in content


def test_no_menu_for_client_user(client, client_user_a):
    client.force_login(client_user_a)
    content = client.get(reverse("dashboard")).content.decode()
    assert f'href="{LIST_URL}"' not in content


def _list_queries(http) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert http.get(LIST_URL).status_code == 200
    return len(queries)


def test_list_queries_constant(client, administrator, client_a):
    for year in range(2000, 2010):
        stored_report(client_a, date(year, 1, 1))
    client.force_login(administrator)
    few = _list_queries(client)
    for year in range(2010, 2100):
        stored_report(client_a, date(year, 1, 1))
    assert _list_queries(client) == few
