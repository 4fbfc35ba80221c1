"""The daily expiry job: mark expired certificates and send threshold notices."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from certificates.choices import CertificateStatus, PurchasedThrough
from certificates.models import Certificate, Endpoint
from issuance.choices import CLOSED_ORDER_STATUSES
from monitoring.choices import NoticeKind, VerificationOutcome
from monitoring.models import (
    DEFAULT_THRESHOLDS,
    ExpiryNotification,
    RenewalEscalation,
)
from monitoring.notify import expiry_recipients, renewal_link, send_notice
from monitoring.tickets import raise_ticket
from servicedesk.choices import Category, Level

logger = logging.getLogger(__name__)

# A renewal still not installed this many days before expiry raises a ticket.
ESCALATION_DAYS = 7


def days_left(not_after: datetime, zone, now: datetime) -> int:
    """Return the whole calendar days from today to the expiry date, both in `zone`.

    Counting dates, not 24-hour periods, keeps the number right across
    daylight-saving changes: a day of 23 or 25 hours is still one day.
    """
    today = now.astimezone(zone).date()
    return (not_after.astimezone(zone).date() - today).days


def due_threshold(left: int, thresholds: list[int]) -> int | None:
    """Return the tightest threshold that `left` has reached, or None.

    Only the tightest is sent, so a certificate first seen with 5 days left gets
    one notice (7 days), not one for every threshold it already passed.
    """
    reached = [threshold for threshold in thresholds if left <= threshold]
    return min(reached) if reached else None


def notice_horizon_days() -> int:
    """Return the largest threshold any client uses, in days.

    Certificates that expire later than that need no notice yet.
    """
    from monitoring.models import MonitoringSettings

    horizon = max(DEFAULT_THRESHOLDS)
    for thresholds in MonitoringSettings.objects.values_list("thresholds", flat=True):
        horizon = max([horizon, *thresholds])
    return horizon


def tracked_certificates(now: datetime | None = None):
    """Return the certificates the job checks: active, or replaced but not superseded,
    that expire within the notice horizon or whose renewal window has opened.

    Client-owned certificates are included only where the client opted in. The
    date bound keeps the daily job proportional to what is due, not to the size
    of the inventory. One day of slack on each side covers every time zone.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=notice_horizon_days() + 1)
    owned_by_provider = Q(purchased_through=PurchasedThrough.PROVIDER)
    opted_in = Q(
        purchased_through=PurchasedThrough.CLIENT,
        client__monitoring_settings__track_client_owned=True,
    )
    due = Q(not_after__lte=horizon) | Q(renewal_window_start__lte=now)
    return (
        Certificate.objects.filter(
            status__in=[CertificateStatus.ACTIVE, CertificateStatus.REPLACED],
            not_after__gte=now - timedelta(days=1),
        )
        .filter(due)
        .filter(owned_by_provider | opted_in)
        .select_related("client", "client__monitoring_settings")
        .prefetch_related(
            "endpoints",
            "expiry_notifications",
            "renewal_orders",
            Prefetch(
                "replaced_by",
                queryset=Certificate.objects.prefetch_related("endpoints"),
            ),
        )
        .order_by("pk")
    )


def is_superseded(certificate: Certificate) -> bool:
    """Return whether a replacement is issued and verified on every endpoint.

    True when a replacement exists, no endpoint still expects the old
    certificate, and each endpoint of the replacement last verified as a match.
    """
    replacements = list(certificate.replaced_by.all())
    if not replacements:
        return False
    if certificate.endpoints.all():
        return False
    for replacement in replacements:
        endpoint_ids = [endpoint.pk for endpoint in replacement.endpoints.all()]
        if all_verified(endpoint_ids, replacement):
            return True
    return False


def all_verified(endpoint_ids: list[int], certificate: Certificate) -> bool:
    from monitoring.models import VerificationResult

    for endpoint_id in endpoint_ids:
        latest = (
            VerificationResult.objects.filter(endpoint_id=endpoint_id)
            .order_by("-checked_at", "-pk")
            .first()
        )
        if latest is None or latest.outcome != VerificationOutcome.MATCH:
            return False
        if latest.served_fingerprint_sha256 != certificate.fingerprint_sha256:
            return False
    return True


@dataclass
class ExpiryRunSummary:
    expired: int = 0
    notices: int = 0
    escalations: int = 0


def run_expiry_check(now: datetime | None = None) -> ExpiryRunSummary:
    """Run the daily expiry job once; safe to rerun and to run concurrently.

    1. Mark active certificates past their not_after as expired.
    2. For each tracked certificate not yet superseded by a verified
       replacement, send the due threshold notice and the renewal-window notice.
    3. Raise a ticket for a renewal not installed a week before expiry.
    Each notice is claimed by inserting an ExpiryNotification first, so the
    unique constraint lets exactly one run send it.
    """
    now = now or timezone.now()
    summary = ExpiryRunSummary()
    summary.expired = Certificate.objects.filter(
        status=CertificateStatus.ACTIVE, not_after__lte=now
    ).update(status=CertificateStatus.EXPIRED)

    for certificate in tracked_certificates(now).iterator(chunk_size=2000):
        if is_superseded(certificate):
            continue
        settings_row = getattr(certificate.client, "monitoring_settings", None)
        thresholds = settings_row.thresholds if settings_row else DEFAULT_THRESHOLDS
        left = days_left(certificate.not_after, certificate.client.zone, now)
        if left < 0:
            continue
        threshold = due_threshold(left, thresholds)
        if threshold is not None and notify(
            certificate, NoticeKind.EXPIRY, threshold, left
        ):
            summary.notices += 1
        if _renewal_window_open(certificate, now) and notify(
            certificate,
            NoticeKind.RENEWAL_WINDOW,
            ExpiryNotification.RENEWAL_WINDOW,
            left,
        ):
            summary.notices += 1
        if left <= ESCALATION_DAYS and escalate_renewal(certificate, left):
            summary.escalations += 1
    logger.info(
        "expiry check done expired=%d notices=%d escalations=%d",
        summary.expired,
        summary.notices,
        summary.escalations,
    )
    return summary


def _renewal_window_open(certificate: Certificate, now: datetime) -> bool:
    start = certificate.renewal_window_start
    return start is not None and start <= now


def _already_sent(certificate: Certificate, kind: str, threshold: int) -> bool:
    return any(
        sent.kind == kind and sent.threshold_days == threshold
        for sent in certificate.expiry_notifications.all()
    )


def notify(certificate: Certificate, kind: str, threshold: int, left: int) -> bool:
    """Claim and send one notice; return False when it was sent before."""
    if _already_sent(certificate, kind, threshold):
        return False
    try:
        with transaction.atomic():
            ExpiryNotification.objects.create(
                certificate=certificate,
                kind=kind,
                threshold_days=threshold,
                days_left=left,
            )
            _send_expiry_notice(certificate, kind, left)
    except IntegrityError:
        # Another run claimed this notice first.
        return False
    return True


def expiry_date(certificate: Certificate) -> date:
    return certificate.not_after.astimezone(certificate.client.zone).date()


def _send_expiry_notice(certificate: Certificate, kind: str, left: int) -> None:
    name = certificate.common_name or certificate.subject
    if kind == NoticeKind.RENEWAL_WINDOW:
        title = f"Renewal window open for {name}"
    else:
        title = f"{name} expires in {left} day{'s' if left != 1 else ''}"
    link = renewal_link(certificate)
    send_notice(
        certificate.client,
        expiry_recipients(certificate),
        kind=kind,
        title=title,
        template="monitoring/email/expiry",
        context={
            "certificate": certificate,
            "name": name,
            "kind": kind,
            "expiry_date": expiry_date(certificate),
            "days_left": left,
            "endpoints": [str(endpoint) for endpoint in certificate.endpoints.all()],
            "window_start": certificate.renewal_window_start,
        },
        link=link,
        certificate=certificate,
    )


def _renewal_requested(certificate: Certificate) -> bool:
    """Return whether a replacement is issued or a renewal order is still live."""
    if certificate.replaced_by.all():
        return True
    return any(
        order.status not in CLOSED_ORDER_STATUSES
        for order in certificate.renewal_orders.all()
    )


def escalate_renewal(certificate: Certificate, left: int) -> bool:
    """Raise one ticket for a renewal requested but not installed in time."""
    if not _renewal_requested(certificate):
        return False
    name = certificate.common_name or certificate.subject
    pending = ", ".join(str(endpoint) for endpoint in _pending_endpoints(certificate))
    try:
        # The claim and its ticket commit together, so a failed ticket leaves
        # the escalation to the next run instead of losing it.
        with transaction.atomic():
            escalation = RenewalEscalation.objects.create(certificate=certificate)
            escalation.ticket = raise_ticket(
                certificate.client,
                f"Renewal of {name} not installed, {left} days before expiry",
                f"The renewal of {name} (expires {expiry_date(certificate)}) is "
                "requested but not yet installed and verified. "
                f"Endpoints: {pending or 'none recorded'}.",
                category=Category.RENEWAL,
                urgency=Level.HIGH,
                certificate=certificate,
            )
            escalation.save(update_fields=["ticket"])
    except IntegrityError:
        return False
    return True


def _pending_endpoints(certificate: Certificate) -> list[Endpoint]:
    endpoints = list(certificate.endpoints.all())
    for replacement in certificate.replaced_by.all():
        endpoints.extend(replacement.endpoints.all())
    return endpoints


def recently_expiring(queryset, now: datetime | None = None, days: int = 30):
    """Return active certificates of `queryset` that expire within `days`."""
    now = now or timezone.now()
    return queryset.filter(
        status=CertificateStatus.ACTIVE,
        not_after__gt=now,
        not_after__lte=now + timedelta(days=days),
    ).order_by("not_after")
