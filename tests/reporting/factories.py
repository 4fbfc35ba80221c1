"""Inventory rows and stored reports for the reporting tests."""

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from cryptography.hazmat.primitives import serialization

from certificates.choices import CertificateStatus, KeyAlgorithm
from certificates.models import Certificate, Endpoint
from reporting.choices import FileFormat, ReportKind, ReportState
from reporting.models import Report, ReportFile
from tests.certificates_factories import issue_leaf

# A month long past, so every test period has ended whatever today is.
PERIOD = date(2025, 3, 1)


@cache
def sample_pem() -> str:
    leaf, _ = issue_leaf("pem.example.com")
    return leaf.public_bytes(serialization.Encoding.PEM).decode()


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def build_certificate(
    client, number: int, not_after: datetime, **fields
) -> Certificate:
    """An unsaved certificate row with plausible facts (the PEM is shared)."""
    common_name = fields.pop("common_name", f"host{number}.example.com")
    values = {
        "client": client,
        "common_name": common_name,
        "subject": f"CN={common_name}",
        "issuer": "CN=CertPortal Test Root",
        "issuer_common_name": "CertPortal Test Root",
        "serial_number": f"{number:x}",
        "not_before": not_after - timedelta(days=90),
        "not_after": not_after,
        "dns_names": [common_name],
        "key_algorithm": KeyAlgorithm.EC,
        "key_size": 256,
        "signature_algorithm": "ecdsa-with-SHA256",
        "fingerprint_sha256": hashlib.sha256(
            f"{client.pk}-{number}".encode()
        ).hexdigest(),
        "public_key_sha256": hashlib.sha256(f"key-{number}".encode()).hexdigest(),
        "pem": sample_pem(),
        "status": CertificateStatus.ACTIVE,
    }
    values.update(fields)
    return Certificate(**values)


def add_certificates(client, count: int, first_expiry: datetime, created_at=None):
    """Store `count` certificates expiring a day apart, each on one endpoint."""
    certificates = Certificate.objects.bulk_create(
        [
            build_certificate(client, number, first_expiry + timedelta(days=number))
            for number in range(count)
        ]
    )
    Certificate.objects.filter(pk__in=[c.pk for c in certificates]).update(
        created_at=created_at or at(PERIOD - timedelta(days=30))
    )
    Endpoint.objects.bulk_create(
        [
            Endpoint(client=client, hostname=c.common_name, port=443, certificate=c)
            for c in certificates
        ]
    )
    return certificates


def add_certificate(
    client, number: int, not_after: datetime, created_at=None, **fields
):
    certificate = build_certificate(client, number, not_after, **fields)
    certificate.save()
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=created_at or at(PERIOD - timedelta(days=30))
    )
    certificate.refresh_from_db()
    return certificate


def stored_report(client, period: date = PERIOD) -> Report:
    """A finished report whose file rows name files that were never written.

    Nothing touches MEDIA_ROOT, so the cross-tenant tests leave no files behind;
    a download of such a report returns 404.
    """
    report = Report.objects.create(
        client=client,
        kind=ReportKind.SSL_MONTHLY,
        period=period,
        state=ReportState.DONE,
        progress=100,
    )
    for file_format in FileFormat.values:
        content = f"{client.slug} {file_format}".encode()
        ReportFile.objects.create(
            report=report,
            format=file_format,
            file=f"reports/{client.pk}/never-written.{file_format}",
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
        )
    return report
