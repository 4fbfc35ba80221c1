"""Emails about change decisions and published incident reports.

Recipients come from the RACI matrix. A change awaiting approval goes to the
Accountable people of "Approval of scope changes". Any other decision goes to
them and to the person who raised the change. A published report goes to the
Informed people of "Incident reports". Each notice is claimed with a conditional
update before it is sent, so a retried task never sends it twice.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from governance import raci
from governance.choices import ChangeState
from governance.models import ChangeDecision, IncidentReport

logger = logging.getLogger(__name__)


def portal_url(name: str, pk: int) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name, kwargs={"pk": pk})


def _send(template: str, subject: str, recipients: list[str], context: dict) -> None:
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"governance/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string(f"governance/email/{template}.html", context), "text/html"
    )
    message.send()


def _addresses(people) -> list[str]:
    return sorted({person.email for person in people if person.email})


def change_notice(decision_id: int) -> int:
    """Email the people concerned by one change decision; return how many."""
    claimed = ChangeDecision.objects.filter(
        pk=decision_id, notified_at__isnull=True
    ).update(notified_at=timezone.now())
    if not claimed:
        return 0

    decision = ChangeDecision.objects.select_related(
        "change_request__client", "change_request__requested_by"
    ).get(pk=decision_id)
    change = decision.change_request
    people = list(
        raci.accountable_people(raci.Code.APPROVE_SCOPE_CHANGE, change.client)
    )
    if decision.to_state != ChangeState.AWAITING_APPROVAL and change.requested_by:
        people.append(change.requested_by)
    recipients = _addresses(people)
    if not recipients:
        return 0

    state = ChangeState(decision.to_state).label
    _send(
        "change_decision",
        f"[CHG-{change.pk}] {change.title}: {state}",
        recipients,
        {
            "change": change,
            "decision": decision,
            "state": state,
            "url": portal_url("governance:change_detail", change.pk),
        },
    )
    logger.info(
        "change notice sent change=%s state=%s recipients=%d",
        change.pk,
        decision.to_state,
        len(recipients),
    )
    return len(recipients)


def report_notice(report_id: int) -> int:
    """Email the Informed people that an incident report was published."""
    claimed = IncidentReport.objects.filter(
        pk=report_id, notified_at__isnull=True
    ).update(notified_at=timezone.now())
    if not claimed:
        return 0
    report = IncidentReport.objects.select_related("client").get(pk=report_id)
    recipients = _addresses(
        raci.informed_people(raci.Code.INCIDENT_REPORTS, report.client)
    )
    if not recipients:
        return 0
    _send(
        "report_published",
        f"Incident report published: {report.title}",
        recipients,
        {"report": report, "url": portal_url("governance:report_detail", report.pk)},
    )
    logger.info(
        "incident report notice sent report=%s recipients=%d",
        report.pk,
        len(recipients),
    )
    return len(recipients)
