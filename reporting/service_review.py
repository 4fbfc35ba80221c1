"""The monthly service review report of clients with the SDM option.

It gathers the month's tickets (opened and closed, by priority and category)
and the SLO results (see reporting.slo). It adds catalogue requests against
their included quantities with fulfilment met or missed, domain availability
against the 99.5% objective with response times, and the P1 incidents with
links to their published incident reports. It renders all of it as PDF and
XLSX with charts.
"""

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer

from reporting.models import SloResult
from reporting.periods import period_bounds
from reporting.renderers import grid_table

SDM_SERVICE = "service_delivery_manager"
PRIORITIES = ("P1", "P2", "P3", "P4")
AVAILABILITY_OBJECTIVE = 99.5
CATALOGUE_HEADER = ["Item", "Requests", "Included", "Chargeable", "Met", "Missed"]
DOMAIN_HEADER = [
    "Domain",
    "Checks",
    "Availability %",
    "Objective met",
    "p50 ms",
    "p95 ms",
]


@dataclass
class ServiceReview:
    client_name: str
    period: date
    opened_by_priority: Counter = field(default_factory=Counter)
    opened_by_category: Counter = field(default_factory=Counter)
    closed_by_priority: Counter = field(default_factory=Counter)
    slo_results: list = field(default_factory=list)
    incidents: list[dict] = field(default_factory=list)
    catalogue: list[list] = field(default_factory=list)
    domains: list[list] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Service review {self.period:%B %Y}"


def has_sdm_option(client, period: date) -> bool:
    """True when the client subscribed to the SDM service for part of the month."""
    if not apps.is_installed("catalogue"):
        return False
    subscription_model = apps.get_model("catalogue", "Subscription")
    start, end = period_bounds(period, client.zone)
    return (
        subscription_model.objects.filter(
            client=client, service=SDM_SERVICE, starts_on__lt=end.date()
        )
        .exclude(ends_on__lt=start.date())
        .exists()
    )


def collect(client, period: date) -> ServiceReview:
    review = ServiceReview(client.name, period)
    review.slo_results = list(
        SloResult.objects.filter(client=client, period=period).order_by(
            "kind", "subject"
        )
    )
    if apps.is_installed("servicedesk"):
        _collect_tickets(review, client, period)
    if apps.is_installed("catalogue"):
        review.catalogue = _catalogue_rows(client, period)
    if apps.is_installed("monitoring"):
        review.domains = _domain_rows(client, period)
    return review


def _catalogue_rows(client, period: date) -> list[list]:
    """Requests per item against the included quantity, and fulfilment."""
    request_model = apps.get_model("catalogue", "CatalogueRequest")
    rows: dict[str, list] = {}
    requests = (
        request_model.objects.filter(client=client, period=period)
        .select_related("item")
        .order_by("item__name")
    )
    for request in requests:
        row = rows.setdefault(
            request.item.name,
            [request.item.name, 0, request.item.included_per_month, 0, 0, 0],
        )
        row[1] += 1
        row[3] += int(request.chargeable)
        row[4] += int(request.fulfilment == "met")
        row[5] += int(request.fulfilment == "missed")
    return list(rows.values())


def _domain_rows(client, period: date) -> list[list]:
    """Availability against the 99.5% objective and response times per domain."""
    from monitoring.domains import monthly_availability

    domain_model = apps.get_model("monitoring", "MonitoredDomain")
    domains = list(domain_model.objects.filter(client=client).order_by("pk"))
    figures = monthly_availability([domain.pk for domain in domains], period)
    rows = []
    for domain in domains:
        figure = figures[domain.pk]
        percent = float(figure.percent) if figure.percent is not None else None
        met = None if percent is None else percent >= AVAILABILITY_OBJECTIVE
        rows.append(
            [
                str(domain),
                figure.checks,
                percent,
                {True: "Met", False: "Breached", None: "Not measured"}[met],
                figure.percentile(0.50),
                figure.percentile(0.95),
            ]
        )
    return rows


def _collect_tickets(review: ServiceReview, client, period: date) -> None:
    ticket_model = apps.get_model("servicedesk", "Ticket")
    start, end = period_bounds(period, client.zone)
    tickets = ticket_model.objects.filter(client=client)
    opened = tickets.filter(created_at__gte=start, created_at__lt=end)
    for row in opened.values("priority", "category"):
        review.opened_by_priority[row["priority"]] += 1
        review.opened_by_category[row["category"]] += 1
    closed = tickets.filter(closed_at__gte=start, closed_at__lt=end)
    for priority in closed.values_list("priority", flat=True):
        review.closed_by_priority[priority] += 1
    review.incidents = _p1_incidents(opened.filter(priority="P1"))


def _p1_incidents(p1_tickets) -> list[dict]:
    reports = {}
    if apps.is_installed("governance"):
        report_model = apps.get_model("governance", "IncidentReport")
        # Clients can open published reports only, so drafts are not linked.
        published = report_model.objects.filter(
            ticket__in=p1_tickets, state="published"
        )
        reports = {report.ticket_id: report for report in published}
    incidents = []
    for ticket in p1_tickets.order_by("created_at"):
        report = reports.get(ticket.pk)
        incidents.append(
            {
                "reference": ticket.reference,
                "subject": ticket.subject,
                "opened": ticket.created_at,
                "report_title": report.title if report else "",
                "report_url": _incident_url(report.pk) if report else "",
            }
        )
    return incidents


def _incident_url(pk: int) -> str:
    try:
        path = reverse("governance:report_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def slo_rows(review: ServiceReview) -> list[list]:
    return [
        [
            result.get_kind_display(),
            result.subject,
            float(result.target),
            float(result.achieved) if result.achieved is not None else None,
            {True: "Met", False: "Breached", None: "Not measured"}[result.met],
        ]
        for result in review.slo_results
    ]


def _chart(draw) -> bytes:
    figure = Figure(figsize=(9, 3), dpi=100)
    FigureCanvasAgg(figure)
    draw(figure.add_subplot())
    figure.tight_layout()
    output = io.BytesIO()
    figure.savefig(output, format="png")
    return output.getvalue()


def tickets_chart_png(review: ServiceReview) -> bytes:
    def draw(axes) -> None:
        positions = range(len(PRIORITIES))
        opened = [review.opened_by_priority[p] for p in PRIORITIES]
        closed = [review.closed_by_priority[p] for p in PRIORITIES]
        axes.bar([p - 0.2 for p in positions], opened, width=0.4, label="Opened")
        axes.bar([p + 0.2 for p in positions], closed, width=0.4, label="Closed")
        axes.set_xticks(list(positions), PRIORITIES)
        axes.set_title("Tickets by priority")
        axes.legend()
        axes.yaxis.get_major_locator().set_params(integer=True)

    return _chart(draw)


def slo_chart_png(review: ServiceReview) -> bytes:
    measured = [r for r in review.slo_results if r.achieved is not None]

    def draw(axes) -> None:
        labels = [f"{r.get_kind_display()} {r.subject}".strip() for r in measured]
        achieved = [float(r.achieved) for r in measured]
        colours = ["#1b6b35" if r.met else "#a4161a" for r in measured]
        axes.barh(labels, achieved, color=colours)
        for index, result in enumerate(measured):
            axes.plot([float(result.target)] * 2, [index - 0.4, index + 0.4], "k-")
        axes.set_xlim(0, 100)
        axes.set_xlabel("Achieved percent (black line: target)")
        axes.set_title("Service level objectives")
        axes.tick_params(axis="y", labelsize=7)

    return _chart(draw)


def pdf_story(review: ServiceReview) -> list:
    styles = getSampleStyleSheet()
    story = [
        Paragraph(review.title, styles["Title"]),
        Paragraph(review.client_name, styles["Heading2"]),
        Paragraph("Tickets", styles["Heading2"]),
        grid_table(
            [["Priority", "Opened", "Closed"]]
            + [
                [
                    p,
                    str(review.opened_by_priority[p]),
                    str(review.closed_by_priority[p]),
                ]
                for p in PRIORITIES
            ]
        ),
        Spacer(1, 3 * mm),
        grid_table(
            [["Category", "Opened"]]
            + [[c, str(n)] for c, n in sorted(review.opened_by_category.items())]
        ),
        Image(io.BytesIO(tickets_chart_png(review)), width=230 * mm, height=76 * mm),
        Paragraph("Service level objectives", styles["Heading2"]),
    ]
    if review.slo_results:
        story.append(
            grid_table(
                [["Objective", "Subject", "Target %", "Achieved %", "Result"]]
                + [
                    [str("" if v is None else v) for v in row]
                    for row in slo_rows(review)
                ],
                long=True,
            )
        )
        story.append(
            Image(io.BytesIO(slo_chart_png(review)), width=230 * mm, height=76 * mm)
        )
    else:
        story.append(Paragraph("No results for this month.", styles["Normal"]))
    story.append(Paragraph("Catalogue requests", styles["Heading2"]))
    if review.catalogue:
        story.append(
            grid_table(
                [CATALOGUE_HEADER] + [[str(v) for v in row] for row in review.catalogue]
            )
        )
    else:
        story.append(Paragraph("None this month.", styles["Normal"]))
    story.append(Paragraph("Domain monitoring (objective 99.5%)", styles["Heading2"]))
    if review.domains:
        story.append(
            grid_table(
                [DOMAIN_HEADER]
                + [
                    ["" if v is None else str(v) for v in row] for row in review.domains
                ],
                long=True,
            )
        )
    else:
        story.append(Paragraph("No monitored domains.", styles["Normal"]))
    story.append(Paragraph("P1 incidents", styles["Heading2"]))
    if review.incidents:
        story.append(
            grid_table(
                [["Ticket", "Subject", "Opened", "Incident report"]]
                + [
                    [
                        incident["reference"],
                        incident["subject"],
                        f"{incident['opened']:%Y-%m-%d %H:%M}",
                        incident["report_url"] or "not published yet",
                    ]
                    for incident in review.incidents
                ],
                long=True,
            )
        )
    else:
        story.append(Paragraph("None.", styles["Normal"]))
    return story


def write_pdf(review: ServiceReview, target) -> None:
    document = SimpleDocTemplate(
        target,
        pagesize=landscape(A4),
        title=review.title,
        author="CertPortal",
        invariant=True,
    )
    document.build(pdf_story(review))


def write_xlsx(review: ServiceReview, target) -> None:
    workbook = Workbook()
    bold = Font(bold=True)
    tickets = workbook.active
    tickets.title = "Tickets"
    tickets.append(["Priority", "Opened", "Closed"])
    for priority in PRIORITIES:
        tickets.append(
            [
                priority,
                review.opened_by_priority[priority],
                review.closed_by_priority[priority],
            ]
        )
    tickets.append([])
    tickets.append(["Category", "Opened"])
    for category, count in sorted(review.opened_by_category.items()):
        tickets.append([category, count])

    slos = workbook.create_sheet("SLOs")
    slos.append(["Objective", "Subject", "Target %", "Achieved %", "Result"])
    for row in slo_rows(review):
        slos.append(row)

    catalogue = workbook.create_sheet("Catalogue")
    catalogue.append(CATALOGUE_HEADER)
    for row in review.catalogue:
        catalogue.append(row)

    domains = workbook.create_sheet("Domains")
    domains.append(DOMAIN_HEADER)
    for row in review.domains:
        domains.append(row)

    incidents = workbook.create_sheet("P1 incidents")
    incidents.append(["Ticket", "Subject", "Opened", "Incident report"])
    for incident in review.incidents:
        incidents.append(
            [
                incident["reference"],
                incident["subject"],
                incident["opened"].replace(tzinfo=None),
                incident["report_url"],
            ]
        )
    for sheet in workbook.worksheets:
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = bold
        for column in "ABCDEF":
            sheet.column_dimensions[column].width = 28
    charts = workbook.create_sheet("Charts")
    charts.add_image(_xlsx_image(tickets_chart_png(review)), "A1")
    if any(r.achieved is not None for r in review.slo_results):
        charts.add_image(_xlsx_image(slo_chart_png(review)), "A18")
    workbook.save(target)


def _xlsx_image(png: bytes):
    from openpyxl.drawing.image import Image as XlsxImage

    return XlsxImage(io.BytesIO(png))
