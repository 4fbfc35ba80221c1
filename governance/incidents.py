"""P1 incident reports: drafting, publishing, the closure rule and the PDF."""

import io
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from governance import raci
from governance.choices import ReportState
from governance.models import IncidentReport

P1 = "P1"
REQUIRED_SECTIONS = ("impact", "root_cause", "mitigation")


def ensure_incident_report(ticket) -> IncidentReport | None:
    """Create the draft report of a P1 ticket unless it has one.

    Safe to call on every save of a ticket: the one-to-one link makes a second
    report impossible, even when two workers call this at once.
    """
    if ticket.priority != P1:
        return None
    report, _ = IncidentReport.objects.get_or_create(
        ticket=ticket,
        defaults={"client_id": ticket.client_id, "title": ticket.subject[:200]},
    )
    return report


def ticket_may_close(ticket) -> bool:
    """Return whether the ticket may close: a P1 only once its report is published."""
    if ticket.priority != P1:
        return True
    return IncidentReport.objects.filter(
        ticket=ticket, state=ReportState.PUBLISHED
    ).exists()


def check_ticket_may_close(ticket) -> None:
    """Raise the ValidationError that servicedesk shows when closing is refused."""
    if not ticket_may_close(ticket):
        raise ValidationError(
            "P1 ticket %(reference)s cannot close until its incident report is "
            "published. Publish the report first.",
            code="incident_report_unpublished",
            params={"reference": ticket_reference(ticket)},
        )


def ticket_reference(ticket) -> str:
    return ticket.reference


def _check_complete(report: IncidentReport) -> None:
    errors = {}
    for name in REQUIRED_SECTIONS:
        if not getattr(report, name).strip():
            label = IncidentReport._meta.get_field(name).verbose_name
            errors[name] = ValidationError(
                "The %(section)s is empty. Write it before publishing.",
                code="section_required",
                params={"section": label},
            )
    if not report.timeline.exists():
        errors["timeline"] = ValidationError(
            "The timeline has no entries. Add at least the start and the end of "
            "the incident before publishing.",
            code="timeline_required",
            params={},
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def publish(report_id: int, actor) -> IncidentReport:
    """Publish a complete report to the client and tell the Informed people."""
    report = IncidentReport.objects.select_for_update().get(pk=report_id)
    raci.require_act(actor, raci.Code.INCIDENT_REPORTS, report.client)
    if report.is_published:
        return report
    _check_complete(report)
    report.state = ReportState.PUBLISHED
    report.published_at = timezone.now()
    report.published_by = actor
    report.save(update_fields=["state", "published_at", "published_by"])
    transaction.on_commit(lambda: _notify(report.pk), robust=True)
    return report


def _notify(report_id: int) -> None:
    from governance.tasks import send_report_notice

    send_report_notice.delay(report_id)


def _paragraphs(text: str, style) -> list:
    # reportlab parses its own markup in Paragraph, so every user text is escaped.
    return [
        Paragraph(escape(block).replace("\n", "<br/>"), style)
        for block in text.split("\n\n")
        if block.strip()
    ]


def render_pdf(report: IncidentReport) -> bytes:
    """Render the report as a PDF document."""
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    story = [
        Paragraph(escape(f"Incident report: {report.title}"), styles["Title"]),
        Paragraph(escape(f"Client: {report.client.name}"), body),
    ]
    if report.published_at:
        story.append(
            Paragraph(f"Published {report.published_at:%Y-%m-%d %H:%M %Z}", body)
        )
    story.append(Spacer(1, 12))
    story.append(Paragraph("Timeline", heading))
    for entry in report.timeline.all():
        line = f"{entry.occurred_at:%Y-%m-%d %H:%M %Z}: {entry.description}"
        story.extend(_paragraphs(line, body))
    for title, text in (
        ("Impact", report.impact),
        ("Root cause", report.root_cause),
        ("Mitigation to avoid recurrence", report.mitigation),
    ):
        story.append(Paragraph(title, heading))
        story.extend(_paragraphs(text, body))
    story.append(Paragraph("Review meeting", heading))
    if report.review_meeting_at:
        story.append(Paragraph(f"{report.review_meeting_at:%Y-%m-%d %H:%M %Z}", body))
    story.extend(_paragraphs(report.review_meeting_notes or "Not yet held.", body))

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"Incident report {report.pk}").build(
        story
    )
    return buffer.getvalue()
