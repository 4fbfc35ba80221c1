"""Which certificates the monthly report lists, and how each row is described."""

from datetime import UTC, date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from certificates.choices import CertificateStatus
from certificates.models import Endpoint
from monitoring.choices import VerificationOutcome
from monitoring.models import VerificationResult
from reporting.inventory import (
    ReportScope,
    certificate_type,
    iter_rows,
    validation_level,
)
from tests.reporting.factories import PERIOD, add_certificate, at, build_certificate


def _names(client) -> list[str]:
    scope = ReportScope(client.pk, PERIOD, client.zone)
    return [row.common_name for row in iter_rows(scope)]


def test_active_certificate_included(client_a):
    add_certificate(client_a, 1, at(date(2025, 9, 1)), common_name="a.example.com")
    assert _names(client_a) == ["a.example.com"]


def test_expired_within_period_included(client_a):
    add_certificate(
        client_a,
        1,
        at(date(2025, 3, 2)),
        common_name="b.example.com",
        status=CertificateStatus.EXPIRED,
    )
    assert _names(client_a) == ["b.example.com"]


def test_expired_before_period_excluded(client_a):
    add_certificate(
        client_a, 1, at(date(2025, 2, 28)), status=CertificateStatus.EXPIRED
    )
    assert _names(client_a) == []


def test_revoked_and_replaced_excluded(client_a):
    add_certificate(client_a, 1, at(date(2025, 9, 1)), status=CertificateStatus.REVOKED)
    add_certificate(
        client_a, 2, at(date(2025, 9, 1)), status=CertificateStatus.REPLACED
    )
    assert _names(client_a) == []


def test_added_after_period_excluded(client_a):
    add_certificate(client_a, 1, at(date(2025, 9, 1)), created_at=at(date(2025, 4, 1)))
    assert _names(client_a) == []


def test_other_client_excluded(client_a, client_b):
    add_certificate(client_b, 1, at(date(2025, 9, 1)))
    assert _names(client_a) == []


def test_period_follows_client_time_zone(client_a):
    client_a.time_zone = "Pacific/Auckland"
    client_a.save()
    # 2025-03-31 12:30 UTC is already 1 April in Auckland (UTC+13), so the
    # certificate is added after the March report's end there.
    add_certificate(
        client_a,
        1,
        at(date(2025, 9, 1)),
        created_at=datetime(2025, 3, 31, 12, 30, tzinfo=UTC),
    )
    assert _names(client_a) == []


def test_expired_status_uses_month_end(client_a):
    # Expired today, but still valid at the end of March 2025.
    add_certificate(
        client_a,
        1,
        at(date(2025, 4, 10)),
        status=CertificateStatus.EXPIRED,
    )
    (row,) = iter_rows(ReportScope(client_a.pk, PERIOD, client_a.zone))
    assert row.status == "Active"
    assert row.days_left == 10


def test_type_wildcard(client_a):
    certificate = build_certificate(
        client_a, 1, timezone.now(), dns_names=["*.example.com", "example.com"]
    )
    assert certificate_type(certificate) == "Wildcard, ECDSA 256"


def test_type_multi_domain(client_a):
    certificate = build_certificate(
        client_a, 1, timezone.now(), dns_names=["a.example.com", "b.example.com"]
    )
    assert certificate_type(certificate) == "Multi-domain, ECDSA 256"


def _pem_with_policy(oid: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ev.example.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier(oid), None)]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_type_reads_validation_level(client_a):
    certificate = build_certificate(
        client_a, 1, timezone.now(), pem=_pem_with_policy("2.23.140.1.1")
    )
    assert certificate_type(certificate) == "EV, Single domain, ECDSA 256"


def test_validation_level_unknown_policy():
    assert validation_level(_pem_with_policy("1.2.3.4")) == ""


def test_validation_level_unreadable_pem():
    assert validation_level("not a certificate") == ""


def test_last_verification_shown(client_a):
    certificate = add_certificate(client_a, 1, at(date(2025, 9, 1)))
    endpoint = Endpoint.objects.create(
        client=client_a, hostname="www.example.com", certificate=certificate
    )
    older = VerificationResult.objects.create(
        endpoint=endpoint,
        expected_certificate=certificate,
        outcome=VerificationOutcome.NAME_MISMATCH,
    )
    newer = VerificationResult.objects.create(
        endpoint=endpoint,
        expected_certificate=certificate,
        outcome=VerificationOutcome.MATCH,
    )
    VerificationResult.objects.filter(pk=older.pk).update(
        checked_at=datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
    )
    VerificationResult.objects.filter(pk=newer.pk).update(
        checked_at=datetime(2025, 3, 21, 9, 15, tzinfo=UTC)
    )

    (row,) = iter_rows(ReportScope(client_a.pk, PERIOD, client_a.zone))
    assert row.last_verification == "Serves the expected certificate"
    assert row.verified_at == datetime(2025, 3, 21, 9, 15)
    assert row.installed_on == "www.example.com:443"


def test_never_verified_is_empty(client_a):
    add_certificate(client_a, 1, at(date(2025, 9, 1)))
    (row,) = iter_rows(ReportScope(client_a.pk, PERIOD, client_a.zone))
    assert row.last_verification == ""
    assert row.verified_at is None


def test_verification_after_period_ignored(client_a):
    certificate = add_certificate(client_a, 1, at(date(2025, 9, 1)))
    endpoint = Endpoint.objects.create(
        client=client_a, hostname="www.example.com", certificate=certificate
    )
    VerificationResult.objects.create(
        endpoint=endpoint,
        expected_certificate=certificate,
        outcome=VerificationOutcome.FAILED,
    )

    (row,) = iter_rows(ReportScope(client_a.pk, PERIOD, client_a.zone))
    assert row.last_verification == ""
