"""Demo change requests and an incident report, for `manage.py seed_demo`."""

from datetime import datetime, timedelta

from django.utils import timezone

from governance.choices import ChangeState, ChangeType, ReportState
from governance.models import ChangeDecision, ChangeRequest, IncidentReport

CHANGE_TITLE = "Move shop.northwind.example.com to an ECDSA P-256 certificate"
REVIEWED_TITLE = "Install the renewed wildcard certificate on the load balancer"
REPORT_TITLE = "Checkout unreachable: chain missing after renewal"


def _window(days: int) -> tuple[datetime, datetime]:
    start = (timezone.now() + timedelta(days=days)).replace(
        hour=22, minute=0, second=0, microsecond=0
    )
    return start, start + timedelta(hours=2)


def _seed_changes(client, people, out) -> None:
    start, end = _window(7)
    change, created = ChangeRequest.objects.get_or_create(
        client=client,
        title=CHANGE_TITLE,
        defaults={
            "change_type": ChangeType.NORMAL,
            "state": ChangeState.AWAITING_APPROVAL,
            "reason": "ECDSA keys make handshakes faster on mobile devices.",
            "risk": "Clients older than 2014 cannot connect; none seen in the logs.",
            "implementation_plan": "Issue the certificate, install it, reload nginx.",
            "rollback_plan": "Reinstall the RSA certificate and reload nginx.",
            "window_start": start,
            "window_end": end,
            "requested_by": people["northwind.user"],
        },
    )
    if created:
        analyst = people["l1.analyst"]
        for source, target, actor in (
            (ChangeState.DRAFT, ChangeState.ASSESSMENT, people["northwind.user"]),
            (ChangeState.ASSESSMENT, ChangeState.AWAITING_APPROVAL, analyst),
        ):
            ChangeDecision.objects.create(
                change_request=change,
                from_state=source,
                to_state=target,
                actor=actor,
                actor_name=actor.username,
                notified_at=timezone.now(),
            )
        out.write(f"  change CHG-{change.pk} awaits northwind.admin's approval\n")

    start, end = _window(-20)
    ChangeRequest.objects.get_or_create(
        client=client,
        title=REVIEWED_TITLE,
        defaults={
            "change_type": ChangeType.STANDARD,
            "state": ChangeState.REVIEWED,
            "reason": "The wildcard certificate expires in 14 days.",
            "risk": "A short interruption if the load balancer reload fails.",
            "implementation_plan": "Upload the bundle and switch the listener.",
            "rollback_plan": "Switch the listener back to the old bundle.",
            "customer_approval_evidence": (
                "northwind.admin@example.com, standing approval of 2026-01-10"
            ),
            "window_start": start,
            "window_end": end,
            "requested_by": people["l1.analyst"],
        },
    )


def _seed_report(client, people, out) -> None:
    now = timezone.now()
    report, created = IncidentReport.objects.get_or_create(
        client=client,
        title=REPORT_TITLE,
        defaults={
            "state": ReportState.PUBLISHED,
            "impact": "Customers could not pay for 35 minutes on a Saturday.",
            "root_cause": "The renewed certificate was installed without its "
            "intermediate, so browsers without a cached copy failed.",
            "mitigation": "The install step now verifies the served chain with a "
            "TLS probe before it closes.",
            "review_meeting_at": now - timedelta(days=5),
            "review_meeting_notes": "Held with Neil Brook; actions agreed.",
            "created_by": people["service.manager"],
            "published_by": people["service.manager"],
            "published_at": now - timedelta(days=6),
            "notified_at": now - timedelta(days=6),
        },
    )
    if created:
        start = now - timedelta(days=9)
        for minutes, text in (
            (0, "Monitoring reports handshake failures on checkout."),
            (12, "The P1 is raised and the client is called."),
            (35, "The intermediate is installed and checkout works again."),
        ):
            report.timeline.create(
                occurred_at=start + timedelta(minutes=minutes), description=text
            )
        out.write(f"  incident report {report.pk} published for Northwind\n")


def seed(clients: dict, people: dict, out) -> None:
    client = clients["northwind"]
    _seed_changes(client, people, out)
    _seed_report(client, people, out)
