"""Rendering, storing and replacing the monthly SSL certificate report."""

import csv
import hashlib
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from reportlab.platypus import Paragraph, Table

from certificates.choices import CertificateStatus
from certificates.models import Endpoint
from reporting import services
from reporting.choices import FileFormat, ReportKind, ReportState
from reporting.inventory import COLUMNS, ReportScope, SummaryCounter, iter_rows
from reporting.models import Report, ReportFile
from reporting.renderers import ReportHeading, pdf_story
from tests.reporting.factories import PERIOD, add_certificate, add_certificates, at

END_OF_PERIOD = date(2025, 3, 31)


def _report(client) -> Report:
    return Report.objects.create(
        client=client, kind=ReportKind.SSL_MONTHLY, period=PERIOD
    )


def _inventory(client):
    """Four certificates in the report and two that must stay out of it."""
    add_certificate(client, 1, at(date(2025, 3, 10)), common_name="gone.example.com")
    soon = add_certificate(
        client, 2, at(date(2025, 4, 15)), common_name="soon.example.com"
    )
    Endpoint.objects.create(
        client=client, hostname="web1.example.com", certificate=soon
    )
    Endpoint.objects.create(
        client=client, hostname="web2.example.com", port=8443, certificate=soon
    )
    add_certificate(client, 3, at(date(2025, 5, 20)), common_name="later.example.com")
    add_certificate(client, 4, at(date(2026, 1, 5)), common_name="far.example.com")
    add_certificate(client, 5, at(date(2025, 2, 20)), common_name="old.example.com")
    add_certificate(
        client,
        6,
        at(date(2025, 6, 1)),
        common_name="revoked.example.com",
        status=CertificateStatus.REVOKED,
    )


def _files(report) -> dict[str, ReportFile]:
    return {item.format: item for item in report.files.all()}


def _csv_rows(report_file) -> list[list[str]]:
    with report_file.file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode())))


def _xlsx_rows(report_file, sheet="Certificates") -> list[tuple]:
    with report_file.file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]


DATE_COLUMNS = (COLUMNS.index("Created"), COLUMNS.index("Expires"))


def _xlsx_as_text(row) -> list[str]:
    """Cells as CSV text; Excel keeps dates as midnight datetimes."""
    values = list(row)
    for index in DATE_COLUMNS:
        if isinstance(values[index], datetime):
            values[index] = values[index].date()
    return [_as_text(value) for value in values]


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def test_generation_stores_three_files(client_a):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)

    files = _files(report)
    assert sorted(files) == ["csv", "pdf", "xlsx"]
    assert report.state == ReportState.DONE
    assert report.progress == 100
    assert report.row_count == 4
    assert report.generated_at is not None
    for item in files.values():
        with item.file.open("rb") as handle:
            content = handle.read()
        assert item.sha256 == hashlib.sha256(content).hexdigest()
        assert item.size == len(content)


def test_csv_lists_included_certificates(client_a):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)

    rows = _csv_rows(_files(report)[FileFormat.CSV])
    assert rows[0] == list(COLUMNS)
    names = [row[0] for row in rows[1:]]
    assert names == [
        "gone.example.com",
        "soon.example.com",
        "later.example.com",
        "far.example.com",
    ]
    gone, soon = rows[1], rows[2]
    assert gone[COLUMNS.index("Status")] == "Expired"
    assert gone[COLUMNS.index("Days left")] == "-21"
    assert soon[COLUMNS.index("Status")] == "Active"
    assert soon[COLUMNS.index("Days left")] == "15"
    assert soon[COLUMNS.index("Expires")] == "2025-04-15"
    assert soon[COLUMNS.index("Created")] == "2025-01-30"
    assert soon[COLUMNS.index("Issuer")] == "CertPortal Test Root"
    assert soon[COLUMNS.index("Type")] == "Single domain, ECDSA 256"
    installed = soon[COLUMNS.index("Installed on")]
    assert installed == "web1.example.com:443 web2.example.com:8443"


def test_csv_and_xlsx_agree_with_inventory(client_a):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)
    files = _files(report)

    csv_rows = _csv_rows(files[FileFormat.CSV])
    xlsx_rows = _xlsx_rows(files[FileFormat.XLSX])
    scope = ReportScope(client_a.pk, PERIOD, client_a.zone)
    inventory_rows = [
        [_as_text(value) for value in row.values()] for row in iter_rows(scope)
    ]

    assert len(xlsx_rows) == len(csv_rows)
    assert [_xlsx_as_text(row) for row in xlsx_rows] == csv_rows
    assert csv_rows[1:] == inventory_rows
    fingerprints = {row[-1] for row in csv_rows[1:]}
    assert len(fingerprints) == 4


def test_xlsx_has_typed_cells_and_layout(client_a):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)

    with _files(report)[FileFormat.XLSX].file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    sheet = workbook["Certificates"]
    expires = sheet.cell(row=2, column=COLUMNS.index("Expires") + 1)
    days_left = sheet.cell(row=2, column=COLUMNS.index("Days left") + 1)

    assert isinstance(expires.value, datetime)
    assert expires.value.date() == date(2025, 3, 10)
    assert expires.number_format == "yyyy-mm-dd"
    assert days_left.value == -21
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M5"
    assert sheet.column_dimensions["A"].width == 32
    assert sheet["A1"].font.bold is True


def test_xlsx_summary_sheet_counts(client_a):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)

    summary = dict(_xlsx_rows(_files(report)[FileFormat.XLSX], "Summary"))
    assert summary["Certificates"] == 4
    assert summary["Status Active"] == 3
    assert summary["Status Expired"] == 1
    assert summary["Expiring within 30 days"] == 1
    assert summary["Expiring within 60 days"] == 2
    assert summary["Expiring within 90 days"] == 2


def test_summary_stored_on_report(client_a):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)

    assert report.summary["total"] == 4
    assert report.summary["by_status"] == {"Active": 3, "Expired": 1}
    assert report.summary["expiring_within"] == {"30": 1, "60": 2, "90": 2}
    assert report.summary["expiries_by_month"] == {
        "2025-03": 1,
        "2025-04": 1,
        "2025-05": 1,
        "2026-01": 1,
    }


def test_pdf_story_shows_summary(client_a):
    _inventory(client_a)
    scope = ReportScope(client_a.pk, PERIOD, client_a.zone)
    counter = SummaryCounter()
    rows = list(iter_rows(scope))
    for row in rows:
        counter.add(row)
    heading = ReportHeading(client_a.name, PERIOD, scope.as_of)

    story = pdf_story(
        heading, counter.as_dict(), [r for r in rows if r.days_left <= 30]
    )

    texts = [item.getPlainText() for item in story if isinstance(item, Paragraph)]
    assert texts[0] == "SSL certificate report March 2025"
    tables = [item for item in story if isinstance(item, Table)]
    summary = {row[0]: row[1] for row in tables[0]._cellvalues}
    assert summary["Certificates"] == "4"
    assert summary["Status Active"] == "3"
    assert summary["Status Expired"] == "1"
    assert summary["Expiring within 30 days"] == "1"
    assert summary["Expiring within 90 days"] == "2"
    attention = [row[0] for row in tables[1]._cellvalues[1:]]
    assert attention == ["gone.example.com", "soon.example.com"]


def test_pdf_file_is_pdf(client_a):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)

    with _files(report)[FileFormat.PDF].file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert b"/Title (SSL certificate report March 2025)" in content


def test_rerun_replaces_files_atomically(client_a, media_root, run_on_commit):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)
    first = _files(report)
    first_paths = {item.file.path for item in first.values()}

    with run_on_commit():
        services.generate_report(report.pk)

    second = _files(Report.objects.get(pk=report.pk))
    assert Report.objects.filter(client=client_a).count() == 1
    assert ReportFile.objects.filter(report=report).count() == 3
    assert {item.file.path for item in second.values()}.isdisjoint(first_paths)
    stored = {path.name for path in media_root.rglob("*") if path.is_file()}
    assert stored == {item.file.name.rsplit("/", 1)[1] for item in second.values()}
    assert second["csv"].sha256 == first["csv"].sha256
    assert second["pdf"].sha256 == first["pdf"].sha256


def test_failed_run_keeps_previous_files(client_a, monkeypatch, caplog):
    _inventory(client_a)
    report = services.generate_report(_report(client_a).pk)
    before = {item.format: item.sha256 for item in report.files.all()}

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(services, "write_pdf", broken)
    assert services.generate_report(report.pk) is None

    report.refresh_from_db()
    assert report.state == ReportState.FAILED
    assert report.error == services.FAILED_MESSAGE
    assert {item.format: item.sha256 for item in report.files.all()} == before
    assert "report generation failed report=" in caplog.text


def test_failed_run_leaves_no_files(client_a, monkeypatch, media_root):
    _inventory(client_a)

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(services, "write_pdf", broken)
    report = _report(client_a)
    services.generate_report(report.pk)

    assert not ReportFile.objects.filter(report=report).exists()
    assert [path for path in media_root.rglob("*") if path.is_file()] == []


def test_empty_inventory_still_reports(client_a):
    report = services.generate_report(_report(client_a).pk)

    assert report.state == ReportState.DONE
    assert report.row_count == 0
    assert _csv_rows(_files(report)[FileFormat.CSV]) == [list(COLUMNS)]


def _count_generation_queries(client, count: int) -> int:
    add_certificates(client, count, at(date(2025, 3, 20)))
    report = _report(client)
    with CaptureQueriesContext(connection) as queries:
        services.generate_report(report.pk)
    return len(queries)


@pytest.mark.parametrize("small, large", [(10, 200)])
def test_queries_constant_as_rows_grow(client_a, client_b, small, large):
    assert _count_generation_queries(client_a, small) == _count_generation_queries(
        client_b, large
    )


def test_generation_skips_deleted_report(client_a, caplog):
    assert services.generate_report(987654) is None
    assert "report generation skipped report=987654 reason=deleted" in caplog.text


def test_days_left_counted_from_month_end(client_a):
    add_certificate(client_a, 1, at(END_OF_PERIOD + timedelta(days=1)))
    scope = ReportScope(client_a.pk, PERIOD, client_a.zone)

    (row,) = list(iter_rows(scope))
    assert row.days_left == 1
    assert row.status == "Active"
