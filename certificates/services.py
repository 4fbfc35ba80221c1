"""Workflows over several certificate models, shared by views, admin, API and tasks."""

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record
from certificates.choices import CertificateStatus, PurchasedThrough
from certificates.models import Certificate, CertificateName
from certificates.x509info import describe_certificate


def chain_to_pem(chain: list[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)


@transaction.atomic
def store_certificate(
    client,
    leaf: x509.Certificate,
    chain: list[x509.Certificate],
    *,
    purchased_through: str = PurchasedThrough.PROVIDER,
    private_key=None,
    csr=None,
    replaces: Certificate | None = None,
    actor=None,
    request=None,
    action: AuditAction = AuditAction.CERTIFICATE_IMPORTED,
) -> tuple[Certificate, bool]:
    """Store `leaf` with its ordered `chain` for `client`; return (row, created).

    A certificate already in the client's inventory (same SHA-256 fingerprint) is
    returned unchanged with created=False, so callers can run twice safely. When
    `replaces` is given, the old certificate is marked replaced and linked.
    """
    facts = describe_certificate(leaf)
    existing = Certificate.objects.filter(
        client=client, fingerprint_sha256=facts["fingerprint_sha256"]
    ).first()
    if existing is not None:
        return existing, False

    status = (
        CertificateStatus.EXPIRED
        if facts["not_after"] <= timezone.now()
        else CertificateStatus.ACTIVE
    )
    try:
        # A savepoint, so a concurrent insert of the same certificate (another
        # worker, a double click) loses cleanly to the uniqueness constraint.
        with transaction.atomic():
            certificate = Certificate.objects.create(
                client=client,
                chain_pem=chain_to_pem(chain),
                purchased_through=purchased_through,
                status=status,
                private_key=private_key,
                csr=csr,
                replaces=replaces,
                created_by=actor,
                **facts,
            )
    except IntegrityError:
        existing = Certificate.objects.get(
            client=client, fingerprint_sha256=facts["fingerprint_sha256"]
        )
        return existing, False
    CertificateName.objects.bulk_create(
        [
            CertificateName(certificate=certificate, client=client, name=name)
            for name in sorted(set(facts["dns_names"]))
        ]
    )
    if replaces is not None and replaces.status == CertificateStatus.ACTIVE:
        replaces.status = CertificateStatus.REPLACED
        replaces.save(update_fields=["status"])
    record(action, certificate, client=client, actor=actor, request=request)
    return certificate, True
