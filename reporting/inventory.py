"""The rows and the summary of the monthly SSL certificate report.

A certificate is in the report for a month when all of these hold:
- its status is active or expired (revoked and replaced ones are no longer
  current, so they are left out);
- it was added to the portal before the month ended;
- it had not expired before the month started, so it was valid at some moment
  of the month.

Every figure is computed as of the end of the month in the client's time zone,
so a rerun over an unchanged inventory gives the same rows.
"""

import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cryptography import x509
from django.apps import apps
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from certificates.choices import CertificateStatus
from certificates.models import Certificate, Endpoint
from reporting.periods import month_label, next_month, period_bounds

CHUNK_SIZE = 2000
EXPIRY_WINDOWS = (30, 60, 90)
CHART_MONTHS = 12

# Certificate policy identifiers that the CA/Browser Forum assigns to the
# validation levels.
VALIDATION_LEVELS = {
    "2.23.140.1.2.1": "DV",
    "2.23.140.1.2.2": "OV",
    "2.23.140.1.2.3": "IV",
    "2.23.140.1.1": "EV",
}

COLUMNS = (
    "Common name",
    "Names",
    "Issuer",
    "Type",
    "Created",
    "Expires",
    "Days left",
    "Status",
    "Installed on",
    "Last verification",
    "Verified at",
    "Serial number",
    "SHA-256 fingerprint",
)


@dataclass(frozen=True)
class ReportRow:
    common_name: str
    names: str
    issuer: str
    type: str
    created: date
    expires: date
    days_left: int
    status: str
    installed_on: str
    last_verification: str
    verified_at: datetime | None
    serial_number: str
    fingerprint_sha256: str

    def values(self) -> tuple:
        return (
            self.common_name,
            self.names,
            self.issuer,
            self.type,
            self.created,
            self.expires,
            self.days_left,
            self.status,
            self.installed_on,
            self.last_verification,
            self.verified_at,
            self.serial_number,
            self.fingerprint_sha256,
        )


@dataclass(frozen=True)
class ReportScope:
    """The client, month and reference moment a report describes."""

    client_id: int
    period: date
    zone: zoneinfo.ZoneInfo

    @property
    def start(self) -> datetime:
        return period_bounds(self.period, self.zone)[0]

    @property
    def end(self) -> datetime:
        return period_bounds(self.period, self.zone)[1]

    @property
    def as_of(self) -> date:
        """The last day of the month, from which days left are counted."""
        return next_month(self.period) - timedelta(days=1)


def included_certificates(scope: ReportScope) -> QuerySet:
    return Certificate.objects.filter(
        client_id=scope.client_id,
        status__in=[CertificateStatus.ACTIVE, CertificateStatus.EXPIRED],
        created_at__lt=scope.end,
        not_after__gte=scope.start,
    )


def _with_last_verification(queryset: QuerySet, scope: ReportScope) -> QuerySet:
    """Annotate each certificate's newest verification before the month ended.

    Without the monitoring app the columns stay empty.
    """
    if not apps.is_installed("monitoring"):
        return queryset
    result_model = apps.get_model("monitoring", "VerificationResult")
    newest = result_model.objects.filter(
        expected_certificate=OuterRef("pk"), checked_at__lt=scope.end
    ).order_by("-checked_at", "-pk")
    return queryset.annotate(
        last_outcome=Subquery(newest.values("outcome")[:1]),
        last_checked_at=Subquery(newest.values("checked_at")[:1]),
    )


def _outcome_label(outcome: str | None) -> str:
    if not outcome:
        return ""
    from monitoring.choices import VerificationOutcome

    try:
        return VerificationOutcome(outcome).label
    except ValueError:
        return outcome


def certificate_type(certificate: Certificate) -> str:
    """Describe validation level (when the certificate states it), coverage and key."""
    names = sorted(set(certificate.dns_names or []))
    if any(name.startswith("*.") for name in names):
        coverage = "Wildcard"
    elif len(names) > 1:
        coverage = "Multi-domain"
    else:
        coverage = "Single domain"
    parts = [
        coverage,
        f"{certificate.get_key_algorithm_display()} {certificate.key_size}",
    ]
    level = validation_level(certificate.pem)
    if level:
        parts.insert(0, level)
    return ", ".join(parts)


def validation_level(pem: str) -> str:
    try:
        parsed = x509.load_pem_x509_certificate(pem.encode())
        policies = parsed.extensions.get_extension_for_class(x509.CertificatePolicies)
    except (ValueError, x509.ExtensionNotFound):
        return ""
    for policy in policies.value:
        level = VALIDATION_LEVELS.get(policy.policy_identifier.dotted_string)
        if level:
            return level
    return ""


def _status_label(certificate: Certificate, scope: ReportScope) -> str:
    if certificate.not_after < scope.end:
        return CertificateStatus.EXPIRED.label
    return CertificateStatus.ACTIVE.label


def _build_row(certificate: Certificate, scope: ReportScope) -> ReportRow:
    expires = certificate.not_after.astimezone(scope.zone).date()
    checked_at = getattr(certificate, "last_checked_at", None)
    return ReportRow(
        common_name=certificate.common_name,
        names=" ".join(certificate.dns_names or []),
        issuer=certificate.issuer_common_name or certificate.issuer,
        type=certificate_type(certificate),
        created=certificate.created_at.astimezone(scope.zone).date(),
        expires=expires,
        days_left=(expires - scope.as_of).days,
        status=_status_label(certificate, scope),
        installed_on=" ".join(
            str(endpoint) for endpoint in certificate.endpoints.all()
        ),
        last_verification=_outcome_label(getattr(certificate, "last_outcome", None)),
        verified_at=checked_at.astimezone(scope.zone).replace(tzinfo=None)
        if checked_at
        else None,
        serial_number=certificate.serial_number,
        fingerprint_sha256=certificate.fingerprint_sha256,
    )


def iter_rows(scope: ReportScope) -> Iterator[ReportRow]:
    """Yield the report's rows by expiry, reading CHUNK_SIZE certificates at a time.

    Each chunk costs two queries (certificates, endpoints) whatever its size.
    """
    endpoints = Prefetch(
        "endpoints",
        queryset=Endpoint.objects.only("id", "hostname", "port", "certificate_id"),
    )
    queryset = (
        _with_last_verification(included_certificates(scope), scope)
        .defer("chain_pem", "subject", "ip_addresses")
        .prefetch_related(endpoints)
        .order_by("not_after", "pk")
    )
    # iterator() with a chunk size runs the prefetch once per chunk.
    for certificate in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield _build_row(certificate, scope)


class SummaryCounter:
    """Count rows by status, by expiry window and by expiry month as they pass."""

    def __init__(self) -> None:
        self.total = 0
        self.by_status: Counter = Counter()
        self.windows = dict.fromkeys(EXPIRY_WINDOWS, 0)
        self.by_month: Counter = Counter()

    def add(self, row: ReportRow) -> None:
        self.total += 1
        self.by_status[row.status] += 1
        self.by_month[month_label(row.expires)] += 1
        for window in EXPIRY_WINDOWS:
            if 0 < row.days_left <= window:
                self.windows[window] += 1

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "by_status": dict(sorted(self.by_status.items())),
            "expiring_within": {
                str(window): count for window, count in self.windows.items()
            },
            "expiries_by_month": dict(sorted(self.by_month.items())),
        }
