"""The monthly report (CSV, XLSX and PDF) and the memory of the streamed CSV."""

import csv
import io
import tracemalloc

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.seed import last_month
from bench.timing import Figure, Stats, compare, timed
from reporting.choices import ReportKind
from reporting.inventory import ReportScope, included_certificates, iter_rows
from reporting.models import Report
from reporting.renderers import csv_header, csv_line
from reporting.services import generate_report

TARGET = "within 3x floor"
FLOOR_COLUMNS = (
    "common_name",
    "dns_names",
    "issuer_common_name",
    "key_algorithm",
    "key_size",
    "created_at",
    "not_after",
    "status",
    "serial_number",
    "fingerprint_sha256",
)


class Sink:
    """Counts the bytes written and keeps none of them."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> None:
        self.size += len(text)


def _scope(client) -> ReportScope:
    return ReportScope(client.pk, last_month(), client.zone)


def plain_csv(scope: ReportScope, target) -> None:
    """Write the same rows from a plain query with the csv module (the floor)."""
    rows = (
        included_certificates(scope)
        .order_by("not_after", "pk")
        .values_list(*FLOOR_COLUMNS)
    )
    writer = csv.writer(target)
    writer.writerow(FLOOR_COLUMNS)
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(row)


def portal_csv(scope: ReportScope, target) -> None:
    target.write(csv_header())
    for row in iter_rows(scope):
        target.write(csv_line(row))


def _report(client) -> Report:
    report, _ = Report.objects.get_or_create(
        client=client, kind=ReportKind.SSL_MONTHLY, period=last_month()
    )
    return report


def _generate(report_id: int):
    def run():
        if generate_report(report_id) is None:
            raise RuntimeError(f"report {report_id} failed; see the log")

    return run


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def _peak(function) -> tuple[int, float]:
    tracemalloc.start()
    try:
        seconds = timed(function)
        return tracemalloc.get_traced_memory()[1], seconds
    finally:
        tracemalloc.stop()


def run(world) -> list[Figure]:
    scope = _scope(world.report_client)
    rows = included_certificates(scope).count()
    budget = world.budget(repeats=5, seconds=240)
    report = _report(world.report_client)
    generate = _generate(report.pk)

    stats, floor_stats = compare(
        generate, lambda: plain_csv(scope, io.StringIO()), budget
    )
    full = Figure(
        "report",
        "monthly report, CSV + XLSX + PDF in one pass",
        stats,
        floor_stats,
        floor_name="plain query written with the csv module",
        target=TARGET,
        queries=_queries(generate),
    )
    full.met = full.ratio <= 3
    full.notes.append(f"{rows:,} rows for {world.report_client.slug}")

    stats, floor_stats = compare(
        lambda: portal_csv(scope, io.StringIO()),
        lambda: plain_csv(scope, io.StringIO()),
        budget,
    )
    csv_only = Figure(
        "report",
        "monthly report, CSV rows only",
        stats,
        floor_stats,
        floor_name="plain query written with the csv module",
        target=TARGET,
        queries=_queries(lambda: portal_csv(scope, Sink())),
    )
    csv_only.met = csv_only.ratio <= 3
    csv_only.notes.append(f"{rows:,} rows")

    return [full, csv_only, _memory(world)]


def _memory(world) -> Figure:
    scope = _scope(world.stream_client)
    rows = included_certificates(scope).count()
    sink = Sink()

    def stream() -> None:
        portal_csv(scope, sink)

    peak, seconds = _peak(stream)
    floor_peak, floor_seconds = _peak(lambda: plain_csv(scope, Sink()))
    figure = Figure(
        "report",
        "streamed CSV, peak Python memory (tracemalloc)",
        Stats([peak / 2**20]),
        Stats([floor_peak / 2**20]),
        floor_name="plain query written with the csv module",
        unit="MiB",
    )
    figure.notes += [
        f"{rows:,} rows for {world.stream_client.slug}, "
        f"{sink.size / 2**20:,.1f} MiB of CSV",
        f"took {seconds:,.1f} s (floor {floor_seconds:,.1f} s) under tracemalloc",
    ]
    return figure
