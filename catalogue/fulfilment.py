"""What happens after a catalogue request is submitted, per item's fulfiller.

- renewal: a new key and CSR for the same names as the chosen certificate. The
  analyst orders it from a provider. When the new certificate is stored, it
  replaces the old one and the request counts as fulfilled.
- status report: a public reply listing each chosen certificate's status,
  expiry, endpoints and last verification; fulfilled at once.
- ticket only: fulfilled when an analyst resolves the ticket.
"""

import logging
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from catalogue.choices import Fulfiller
from certificates.choices import CertificateStatus, KeyAlgorithm
from certificates.csr import KeyType, generate_csr, normalise_names
from servicedesk.models import Ticket
from servicedesk.services import add_update

logger = logging.getLogger(__name__)

SYSTEM_USERNAME = "certportal-system"


def system_user():
    """Return the account that signs the portal's own replies. It cannot sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "role": Role.L1_ANALYST,
            "is_active": False,
            "first_name": "CertPortal",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def start(request, requester, now: datetime) -> None:
    if request.item.fulfiller == Fulfiller.RENEWAL:
        _start_renewal(request, requester)
    elif request.item.fulfiller == Fulfiller.STATUS_REPORT:
        _answer_status(request, now)


def key_type_like(certificate) -> str:
    """Return the key type for a renewal: the same algorithm and size where allowed."""
    if certificate.key_algorithm == KeyAlgorithm.EC:
        return KeyType.EC_P384 if certificate.key_size >= 384 else KeyType.EC_P256
    if certificate.key_algorithm == KeyAlgorithm.RSA:
        size = max(certificate.key_size, 2048)
        return {3072: KeyType.RSA_3072, 4096: KeyType.RSA_4096}.get(
            size, KeyType.RSA_2048
        )
    return KeyType.EC_P256


def _start_renewal(request, requester) -> None:
    old = request.certificates.get()
    names = normalise_names(old.common_name or old.dns_names[0], old.dns_names)
    csr = generate_csr(
        request.client,
        system=f"Renewal of {old.common_name or old.subject}",
        names=names,
        key_type=key_type_like(old),
        actor=requester,
    )
    request.renewal_csr = csr
    request.save(update_fields=["renewal_csr"])
    # The ticket was opened a moment ago in this transaction; link its CSR too.
    Ticket.objects.filter(pk=request.ticket_id).update(csr=csr)
    request.ticket.csr = csr


def _last_verification(endpoint) -> str:
    if not apps.is_installed("monitoring"):
        return "not verified"
    result = endpoint.verification_results.order_by("-checked_at").first()
    if result is None:
        return "not verified yet"
    return f"{result.get_outcome_display()} on {result.checked_at:%Y-%m-%d %H:%M %Z}"


def status_lines(certificates, now: datetime) -> list[str]:
    lines = []
    for certificate in certificates:
        days_left = (certificate.not_after - now).days
        endpoints = list(certificate.endpoints.all())
        lines.append(
            f"- {certificate.common_name or certificate.subject}: "
            f"{certificate.get_status_display()}, expires "
            f"{certificate.not_after:%Y-%m-%d} ({days_left} days left)."
        )
        if not endpoints:
            lines.append("  Installed on: no endpoint recorded.")
        for endpoint in endpoints:
            lines.append(
                f"  Installed on {endpoint}: last verification "
                f"{_last_verification(endpoint)}."
            )
    return lines


def _answer_status(request, now: datetime) -> None:
    from catalogue.services import record_fulfilment

    certificates = request.certificates.prefetch_related("endpoints").order_by(
        "not_after"
    )
    body = "\n".join(
        [
            "Status of the certificates you asked about:",
            *status_lines(certificates, now),
        ]
    )
    add_update(request.ticket, system_user(), body, now=now)
    record_fulfilment(request, now)


def certificate_stored(certificate) -> None:
    """Link a newly stored certificate to the renewal request of its CSR, if any.

    Called after every new Certificate row; does nothing for certificates that
    no renewal request asked for. Safe to call twice.
    """
    from catalogue.models import CatalogueRequest
    from catalogue.services import record_fulfilment

    if certificate.csr_id is None:
        return
    request = (
        CatalogueRequest.objects.filter(renewal_csr_id=certificate.csr_id)
        .prefetch_related("certificates")
        .first()
    )
    if request is None:
        return
    old = request.certificates.first()
    with transaction.atomic():
        if old is not None and old.pk != certificate.pk:
            type(certificate).objects.filter(
                pk=certificate.pk, replaces__isnull=True
            ).update(replaces=old)
            type(old).objects.filter(pk=old.pk, status=CertificateStatus.ACTIVE).update(
                status=CertificateStatus.REPLACED
            )
        record_fulfilment(request, timezone.now())
    logger.info(
        "renewal fulfilled request=%s new_certificate=%s old_certificate=%s",
        request.pk,
        certificate.pk,
        old.pk if old else None,
    )
