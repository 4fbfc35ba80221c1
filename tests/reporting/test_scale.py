"""A client with 10,000 certificates."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting import services
from reporting.inventory import CHUNK_SIZE
from reporting.models import Report
from tests.reporting.factories import PERIOD, add_certificates, at

CERTIFICATES = 10_000


def test_ten_thousand_certificates(client_a):
    add_certificates(client_a, CERTIFICATES, at(date(2025, 3, 20)))
    report = Report.objects.create(client=client_a, kind="ssl_monthly", period=PERIOD)

    with CaptureQueriesContext(connection) as queries:
        report = services.generate_report(report.pk)

    assert report.row_count == CERTIFICATES
    with report.files.get(format="csv").file.open("rb") as handle:
        assert sum(1 for _ in handle) == CERTIFICATES + 1
    chunks = -(-CERTIFICATES // CHUNK_SIZE)
    progress_updates = CERTIFICATES // services.PROGRESS_EVERY
    # Fixed queries, plus two per chunk (certificates, endpoints) and one per
    # progress update: nothing grows per row.
    assert len(queries) <= 20 + 2 * chunks + progress_updates
