"""Verification of endpoints, drift alerts and discovery of served certificates."""

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.choices import PurchasedThrough
from certificates.models import Certificate, Endpoint
from certificates.services import store_certificate
from monitoring.choices import (
    DriftKind,
    InstallationStatus,
    NoticeKind,
    VerificationOutcome,
)
from monitoring.expiry import days_left
from monitoring.installation import load_chain
from monitoring.models import DriftAlert, InstallationTask, VerificationResult
from monitoring.notify import client_contacts, send_notice
from monitoring.probes.netguard import ProbeFailed, ProbeRejected
from monitoring.probes.tls import ServedChain, fetch_chain
from monitoring.targets import parse_target
from monitoring.tickets import raise_ticket
from monitoring.trust import chain_is_complete, name_matches
from servicedesk.choices import Category, Level

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 10.0
PROBE_THREADS = 16
MAX_DISCOVERY_TARGETS = PROBE_THREADS * 2

DRIFT_OUTCOMES = {
    VerificationOutcome.OTHER_CERTIFICATE: DriftKind.OTHER_CERTIFICATE,
    VerificationOutcome.EXPIRED: DriftKind.EXPIRED,
    VerificationOutcome.INCOMPLETE_CHAIN: DriftKind.INCOMPLETE_CHAIN,
}


@dataclass
class Probe:
    served: ServedChain | None = None
    outcome: str = ""
    error: str = ""


def fingerprint(certificate) -> str:
    der = certificate.public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def probe(endpoint: Endpoint, timeout: float = PROBE_TIMEOUT) -> Probe:
    """Fetch what the endpoint serves. Uses the network only, never the database."""
    try:
        served = fetch_chain(
            endpoint.hostname, endpoint.port, endpoint.server_name, timeout
        )
    except ProbeRejected as exc:
        return Probe(outcome=VerificationOutcome.REJECTED, error=str(exc))
    except ProbeFailed as exc:
        return Probe(outcome=VerificationOutcome.FAILED, error=str(exc))
    return Probe(served=served)


def expected_certificate(endpoint: Endpoint) -> Certificate | None:
    """Return the certificate the endpoint should serve: an open task's or its own."""
    task = (
        InstallationTask.objects.filter(
            endpoint=endpoint, status=InstallationStatus.OPEN
        )
        .select_related("certificate")
        .order_by("-created_at")
        .first()
    )
    return task.certificate if task else endpoint.certificate


def verify_endpoint(endpoint: Endpoint, timeout: float = PROBE_TIMEOUT):
    """Probe the endpoint, store the result and act on it."""
    return record_result(endpoint, probe(endpoint, timeout))


def record_result(endpoint: Endpoint, found: Probe) -> VerificationResult:
    expected = expected_certificate(endpoint)
    result = VerificationResult(
        endpoint=endpoint, expected_certificate=expected, error=found.error
    )
    if found.served is None:
        result.outcome = found.outcome
        result.save()
        return result
    evaluate(result, found.served, expected, endpoint)
    with transaction.atomic():
        result.save()
        if result.outcome == VerificationOutcome.MATCH:
            _installed(endpoint, expected)
        elif result.outcome in DRIFT_OUTCOMES and not _installation_pending(endpoint):
            raise_drift(endpoint, result)
    return result


def evaluate(result, served: ServedChain, expected, endpoint: Endpoint) -> None:
    leaf = served.leaf
    now = timezone.now()
    stored_chain = load_chain(expected.chain_pem) if expected else []
    result.address = served.address
    result.protocol = served.protocol
    result.served_fingerprint_sha256 = fingerprint(leaf)
    result.served_common_name = _common_name(leaf)
    result.fingerprint_matches = bool(
        expected and expected.fingerprint_sha256 == result.served_fingerprint_sha256
    )
    result.chain_complete = chain_is_complete(served.certificates, stored_chain)
    result.name_matches = name_matches(leaf, endpoint.server_name)
    result.days_left = days_left(leaf.not_valid_after_utc, endpoint.client.zone, now)
    if not result.fingerprint_matches:
        result.outcome = VerificationOutcome.OTHER_CERTIFICATE
    elif leaf.not_valid_after_utc <= now:
        result.outcome = VerificationOutcome.EXPIRED
    elif not result.chain_complete:
        result.outcome = VerificationOutcome.INCOMPLETE_CHAIN
    elif not result.name_matches:
        result.outcome = VerificationOutcome.NAME_MISMATCH
    else:
        result.outcome = VerificationOutcome.MATCH


def _common_name(leaf) -> str:
    from certificates.x509info import common_name

    return common_name(leaf.subject)[:253]


def _installation_pending(endpoint: Endpoint) -> bool:
    return InstallationTask.objects.filter(
        endpoint=endpoint, status=InstallationStatus.OPEN
    ).exists()


def _installed(endpoint: Endpoint, certificate: Certificate) -> None:
    """Close the endpoint's open task for `certificate` and resolve its drift."""
    now = timezone.now()
    InstallationTask.objects.filter(
        endpoint=endpoint, certificate=certificate, status=InstallationStatus.OPEN
    ).update(status=InstallationStatus.DONE, completed_at=now)
    if endpoint.certificate_id != certificate.pk:
        endpoint.certificate = certificate
        endpoint.save(update_fields=["certificate"])
    DriftAlert.objects.filter(endpoint=endpoint, resolved_at__isnull=True).update(
        resolved_at=now
    )


def raise_drift(endpoint: Endpoint, result: VerificationResult) -> DriftAlert | None:
    """Record the drift once, with a ticket and notices; None when known already."""
    kind = DRIFT_OUTCOMES[result.outcome]
    detail = (
        f"{endpoint} serves {result.served_common_name or 'a certificate'} "
        f"(SHA-256 {result.served_fingerprint_sha256[:16]}…): "
        f"{result.get_outcome_display().lower()}."
    )
    try:
        with transaction.atomic():
            alert = DriftAlert.objects.create(
                endpoint=endpoint,
                kind=kind,
                served_fingerprint_sha256=result.served_fingerprint_sha256,
                detail=detail,
            )
            alert.ticket = raise_ticket(
                endpoint.client,
                f"Certificate drift on {endpoint}",
                detail,
                category=Category.INCIDENT,
                urgency=Level.HIGH,
                certificate=result.expected_certificate,
            )
            alert.save(update_fields=["ticket"])
    except IntegrityError:
        return None
    send_notice(
        endpoint.client,
        client_contacts(endpoint.client),
        kind=NoticeKind.DRIFT,
        title=f"Certificate drift on {endpoint}",
        template="monitoring/email/drift",
        context={"endpoint": endpoint, "detail": detail, "result": result},
        certificate=result.expected_certificate,
    )
    logger.warning("drift endpoint=%s kind=%s", endpoint.pk, kind)
    return alert


def endpoints_to_verify():
    return Endpoint.objects.filter(certificate__isnull=False).select_related(
        "client", "certificate"
    ) | Endpoint.objects.filter(
        installation_tasks__status=InstallationStatus.OPEN
    ).select_related("client", "certificate")


def verify_all(timeout: float = PROBE_TIMEOUT) -> int:
    """Re-verify every endpoint that should serve a certificate.

    Probes run in threads (network only); results are stored on this thread so
    the threads need no database connection.
    """
    endpoints = list(endpoints_to_verify().distinct().order_by("pk"))
    with ThreadPoolExecutor(max_workers=PROBE_THREADS) as pool:
        probes = list(pool.map(lambda endpoint: probe(endpoint, timeout), endpoints))
    for endpoint, found in zip(endpoints, probes, strict=True):
        record_result(endpoint, found)
    return len(endpoints)


def parse_discovery_targets(text: str) -> list[tuple[str, int]]:
    """Parse one host:port per line; raise ValidationError naming the bad line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValidationError(
            "No host:port given. Enter one per line, e.g. www.example.com:443.",
            code="empty",
        )
    if len(lines) > MAX_DISCOVERY_TARGETS:
        raise ValidationError(
            "%(count)s targets given; at most %(limit)s can be scanned at once.",
            code="too_many",
            params={"count": len(lines), "limit": MAX_DISCOVERY_TARGETS},
        )
    targets = []
    for number, line in enumerate(lines, start=1):
        target = parse_target(line) if ":" in line else None
        if target is None or target.scheme != "tls":
            raise ValidationError(
                "Line %(line)s: %(value)r is not host:port. "
                "Write it as www.example.com:443.",
                code="invalid_target",
                params={"line": number, "value": line},
            )
        targets.append((target.host, target.port))
    return targets


@dataclass
class DiscoveryItem:
    target: str
    certificate: Certificate | None = None
    created: bool = False
    error: str = ""


def _fetch_or_error(target: tuple[str, int]) -> ServedChain | str:
    host, port = target
    try:
        return fetch_chain(host, port, host, PROBE_TIMEOUT)
    except (ProbeRejected, ProbeFailed) as exc:
        return str(exc)


def discover(client, targets: list[tuple[str, int]], actor=None) -> list[DiscoveryItem]:
    """Import what each host:port serves as client-owned certificates.

    The probes run in PROBE_THREADS threads and at most twice that many targets
    are accepted, so a request waits at most two probe timeouts. The rows are
    stored on the calling thread.
    """
    with ThreadPoolExecutor(max_workers=PROBE_THREADS) as pool:
        fetched = list(pool.map(_fetch_or_error, targets))
    items = []
    for (host, port), served in zip(targets, fetched, strict=True):
        item = DiscoveryItem(target=f"{host}:{port}")
        if isinstance(served, str):
            item.error = served
            items.append(item)
            continue
        item.certificate, item.created = store_certificate(
            client,
            served.leaf,
            served.certificates[1:],
            purchased_through=PurchasedThrough.CLIENT,
            actor=actor,
        )
        Endpoint.objects.get_or_create(
            client=client,
            hostname=host,
            port=port,
            sni_name="",
            defaults={"certificate": item.certificate},
        )
        items.append(item)
    return items
