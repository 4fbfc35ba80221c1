"""Installation tasks and the per-server-type bundles handed to installers."""

import io
import secrets
import zipfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from audit.models import AuditAction
from audit.services import record
from certificates.choices import ServerType
from monitoring.choices import InstallationStatus
from monitoring.models import InstallationTask
from monitoring.tickets import raise_ticket
from servicedesk.choices import Category


@dataclass
class Bundle:
    filename: str
    content: bytes


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def load_chain(chain_pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem else []


def intermediates(certificate) -> list[x509.Certificate]:
    """Return the stored chain minus self-signed roots, which servers omit."""
    return [
        item
        for item in load_chain(certificate.chain_pem)
        if item.subject != item.issuer
    ]


def open_installation(endpoint, certificate, actor=None) -> InstallationTask:
    """Open (or return the open) installation task and its ticket."""
    if certificate.client_id != endpoint.client_id:
        raise ValidationError(
            "%(certificate)s belongs to another client than %(endpoint)s. "
            "Choose a certificate of the endpoint's client.",
            code="wrong_client",
            params={"certificate": certificate, "endpoint": endpoint},
        )
    if certificate.private_key_id is None:
        raise ValidationError(
            "%(certificate)s has no private key in the portal, so no bundle can be "
            "built. Install it with the key kept on the server.",
            code="no_private_key",
            params={"certificate": certificate},
        )
    existing = InstallationTask.objects.filter(
        endpoint=endpoint, certificate=certificate, status=InstallationStatus.OPEN
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            task = InstallationTask.objects.create(
                endpoint=endpoint, certificate=certificate, created_by=actor
            )
            task.ticket = raise_ticket(
                endpoint.client,
                f"Install {certificate.common_name} on {endpoint}",
                f"Install the certificate {certificate} on {endpoint} "
                f"({endpoint.get_server_type_display()}). The portal verifies "
                "the endpoint afterwards and closes the installation on a match.",
                category=Category.INSTALLATION,
                certificate=certificate,
            )
            task.save(update_fields=["ticket"])
    except IntegrityError:
        return InstallationTask.objects.get(
            endpoint=endpoint, certificate=certificate, status=InstallationStatus.OPEN
        )
    return task


def build_bundle(task: InstallationTask, request=None) -> Bundle:
    """Build the zip for the endpoint's server type and audit the key download."""
    certificate = task.certificate
    endpoint = task.endpoint
    key_pem = certificate.private_key.get_pem()

    files = bundle_files(
        endpoint.server_type,
        x509.load_pem_x509_certificate(certificate.pem.encode()),
        intermediates(certificate),
        key_pem,
    )
    steps = render_to_string(
        "monitoring/install_steps.txt",
        {
            "server_type": endpoint.server_type,
            "endpoint": endpoint,
            "certificate": certificate,
            "files": sorted(name for name in files if name != "PASSWORD.txt"),
        },
    )
    files["INSTALL.txt"] = steps.encode()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(name, content)

    record(
        AuditAction.KEY_DOWNLOADED,
        certificate.private_key,
        client=endpoint.client,
        request=request,
        certificate_id=certificate.pk,
        endpoint_id=endpoint.pk,
        server_type=endpoint.server_type,
    )
    stem = (certificate.common_name or "certificate").replace("*", "wildcard")
    return Bundle(f"{stem}-{endpoint.server_type}.zip", buffer.getvalue())


def bundle_files(
    server_type: str,
    leaf: x509.Certificate,
    chain: list[x509.Certificate],
    key_pem: bytes,
) -> dict[str, bytes]:
    """Return file name -> content for one server type."""
    chain_pem = b"".join(_pem(item) for item in chain)
    if server_type == ServerType.NGINX:
        return {"fullchain.pem": _pem(leaf) + chain_pem, "privkey.pem": key_pem}
    if server_type == ServerType.APACHE:
        return {"cert.pem": _pem(leaf), "chain.pem": chain_pem, "privkey.pem": key_pem}
    if server_type == ServerType.HAPROXY:
        return {"combined.pem": _pem(leaf) + chain_pem + key_pem}
    if server_type in (ServerType.IIS, ServerType.JAVA):
        return _pkcs12_files(server_type, leaf, chain, key_pem)
    return {
        "cert.pem": _pem(leaf),
        "chain.pem": chain_pem,
        "fullchain.pem": _pem(leaf) + chain_pem,
        "privkey.pem": key_pem,
    }


def _pkcs12_files(server_type, leaf, chain, key_pem: bytes) -> dict[str, bytes]:
    # A random password per download: IIS and keytool both require one, and a
    # fixed one would protect nothing.
    password = secrets.token_urlsafe(18)
    key = serialization.load_pem_private_key(key_pem, password=None)
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    name = b"certportal"
    data = pkcs12.serialize_key_and_certificates(name, key, leaf, chain, encryption)
    filename = "certificate.pfx" if server_type == ServerType.IIS else "keystore.p12"
    return {filename: data, "PASSWORD.txt": f"{password}\n".encode()}
