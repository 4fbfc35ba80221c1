"""Render the monthly SSL certificate report as CSV, XLSX and PDF.

Each renderer consumes the rows once, in order. Memory use does not grow with
the inventory, except for the PDF's list of certificates that need attention.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reporting.inventory import (
    CHART_MONTHS,
    COLUMNS,
    EXPIRY_WINDOWS,
    ReportRow,
)
from reporting.periods import month_label, next_month

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Excel column widths in characters, in the order of COLUMNS.
COLUMN_WIDTHS = (32, 40, 30, 28, 12, 12, 10, 10, 36, 30, 17, 36, 66)
ATTENTION_DAYS = 30


@dataclass(frozen=True)
class ReportHeading:
    client_name: str
    period: date
    as_of: date

    @property
    def title(self) -> str:
        return f"SSL certificate report {self.period:%B %Y}"


class _LineBuffer:
    """A write() target for csv.writer that hands back each formatted line."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_header() -> str:
    return csv.writer(_LineBuffer()).writerow(COLUMNS)


def csv_line(row: ReportRow) -> str:
    values = [_csv_value(value) for value in row.values()]
    return csv.writer(_LineBuffer()).writerow(values)


def _typed_cell(sheet, value):
    """Wrap dates in a cell with an explicit number format; pass others through.

    openpyxl stores date and datetime values as typed date cells by itself, so
    only their display format needs setting. Plain values stay cheap.
    """
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


class XlsxReportWriter:
    """Write a workbook with a "Certificates" sheet and a "Summary" sheet.

    Rows are appended one at a time in openpyxl's write-only mode, which keeps
    memory flat. finish() adds the summary sheet after the last row.
    """

    def __init__(self, target) -> None:
        self.target = target
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet("Certificates")
        for index, width in enumerate(COLUMN_WIDTHS, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for title in COLUMNS:
            cell = WriteOnlyCell(self.sheet, value=title)
            cell.font = bold
            header.append(cell)
        self.sheet.append(header)
        self.count = 0

    def add(self, row: ReportRow) -> None:
        self.sheet.append([_typed_cell(self.sheet, value) for value in row.values()])
        self.count += 1

    def finish(self, summary: dict, heading: "ReportHeading") -> None:
        last_column = get_column_letter(len(COLUMNS))
        self.sheet.auto_filter.ref = f"A1:{last_column}{self.count + 1}"
        summary_sheet = self.workbook.create_sheet("Summary")
        summary_sheet.column_dimensions["A"].width = 36
        summary_sheet.column_dimensions["B"].width = 16
        for label, value in summary_lines(summary, heading):
            summary_sheet.append([label, value])
        self.workbook.save(self.target)


def summary_lines(summary: dict, heading: ReportHeading) -> list[tuple[str, object]]:
    """Return the summary as (label, value) pairs, shared by the XLSX and the PDF."""
    lines: list[tuple[str, object]] = [
        ("Client", heading.client_name),
        ("Month", month_label(heading.period)),
        ("Days left counted from", heading.as_of.isoformat()),
        ("Certificates", summary["total"]),
    ]
    for status, count in summary["by_status"].items():
        lines.append((f"Status {status}", count))
    for window in EXPIRY_WINDOWS:
        lines.append(
            (f"Expiring within {window} days", summary["expiring_within"][str(window)])
        )
    return lines


def chart_buckets(summary: dict, period: date) -> list[tuple[str, int]]:
    """Count expiries per month for CHART_MONTHS months, then one "Later" bucket."""
    months = []
    month = period
    for _ in range(CHART_MONTHS):
        months.append(month_label(month))
        month = next_month(month)
    by_month = summary["expiries_by_month"]
    buckets = [(label, by_month.get(label, 0)) for label in months]
    later = sum(count for label, count in by_month.items() if label > months[-1])
    buckets.append(("Later", later))
    return buckets


def expiry_chart_png(buckets: list[tuple[str, int]]) -> bytes:
    """Draw a bar chart of expiries by month with matplotlib's Agg canvas."""
    figure = Figure(figsize=(9, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [label for label, _ in buckets]
    counts = [count for _, count in buckets]
    axes.bar(labels, counts, color="#0b5cad")
    axes.set_title("Certificates expiring by month")
    axes.set_ylabel("Certificates")
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    output = io.BytesIO()
    figure.savefig(output, format="png")
    return output.getvalue()


def pdf_story(heading: ReportHeading, summary: dict, attention: list[ReportRow]):
    """Build the PDF's flowables: title, summary table, chart, attention list."""
    styles = getSampleStyleSheet()
    story = [
        Paragraph(heading.title, styles["Title"]),
        Paragraph(f"{heading.client_name}", styles["Heading2"]),
        Paragraph(
            f"Certificates valid at some time in {month_label(heading.period)}; "
            f"days left are counted from {heading.as_of.isoformat()}.",
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
        grid_table(
            [["Summary", ""]]
            + [[label, str(value)] for label, value in summary_lines(summary, heading)]
        ),
        Spacer(1, 6 * mm),
        Image(
            io.BytesIO(expiry_chart_png(chart_buckets(summary, heading.period))),
            width=240 * mm,
            height=85 * mm,
        ),
        Paragraph(
            f"Expired in the month or expiring within {ATTENTION_DAYS} days",
            styles["Heading2"],
        ),
    ]
    if attention:
        header = ["Common name", "Expires", "Days left", "Status", "Installed on"]
        body = [
            [
                row.common_name,
                row.expires.isoformat(),
                str(row.days_left),
                row.status,
                row.installed_on,
            ]
            for row in attention
        ]
        story.append(grid_table([header, *body], long=True))
    else:
        story.append(Paragraph("None.", styles["Normal"]))
    return story


def grid_table(data, long: bool = False):
    table_class = LongTable if long else Table
    table = table_class(data, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dbe2")),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def write_pdf(story, heading: ReportHeading, target) -> None:
    # invariant=True leaves out the creation time, so an unchanged inventory
    # gives a byte-identical file and checksum.
    document = SimpleDocTemplate(
        target,
        pagesize=landscape(A4),
        title=heading.title,
        author="CertPortal",
        invariant=True,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    document.build(story)
