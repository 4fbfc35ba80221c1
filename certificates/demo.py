"""Demo certificates for `manage.py seed_demo`: for each demo client, real
certificates in every state, signed by a local demo CA made with cryptography.

The demo CA lives in var/demo-ca/ (its key encrypted like every private key), so
reruns sign with the same CA. Names are under the reserved .test domain.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from certificates.choices import CertificateStatus, PurchasedThrough
from certificates.encryption import KeyDecryptionError, decrypt, encrypt
from certificates.importing import new_private_key
from certificates.models import Certificate
from certificates.services import store_certificate

DEMO_CA_NAME = "CertPortal Demo CA"

# (host label, days valid before now, days valid after now, purchased through, status)
DEMO_CERTIFICATES = [
    ("shop", 30, 335, PurchasedThrough.PROVIDER, None),
    ("mail", 345, 20, PurchasedThrough.PROVIDER, None),
    ("legacy", 400, -35, PurchasedThrough.PROVIDER, None),
    ("vpn", 60, 300, PurchasedThrough.PROVIDER, CertificateStatus.REVOKED),
    ("intranet", 100, 265, PurchasedThrough.CLIENT, None),
]
# The replaced pair: an old certificate and the renewal that replaced it.
RENEWED_LABEL = "portal"


def _ca_directory() -> Path:
    return Path(settings.VAR_DIR) / "demo-ca"


def demo_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """Load the demo CA from var/demo-ca/, creating it on first use."""
    directory = _ca_directory()
    certificate_path = directory / "ca.pem"
    key_path = directory / "ca-key.fernet"
    if certificate_path.exists() and key_path.exists():
        try:
            key = serialization.load_pem_private_key(
                decrypt(key_path.read_bytes()), password=None
            )
            return x509.load_pem_x509_certificate(certificate_path.read_bytes()), key
        except KeyDecryptionError:
            pass  # the encryption keys changed since, so a new demo CA is made
    return _create_demo_ca(certificate_path, key_path)


def _create_demo_ca(certificate_path: Path, key_path: Path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )

    certificate_path.parent.mkdir(parents=True, exist_ok=True)
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        encrypt(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    )
    key_path.chmod(0o600)
    return certificate, key


def _issue(ca, host: str, days_before: int, days_after: int):
    ca_certificate, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=days_before))
        .not_valid_after(now + timedelta(days=days_after))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return certificate, key


def _store(client, ca, host, days_before, days_after, purchased, replaces=None):
    leaf, key = _issue(ca, host, days_before, days_after)
    private_key = new_private_key(client, key)
    private_key.save()
    certificate, _ = store_certificate(
        client,
        leaf,
        [ca[0]],
        purchased_through=purchased,
        private_key=private_key,
        replaces=replaces,
    )
    return certificate


def _exists(client, host: str) -> bool:
    return Certificate.objects.filter(
        client=client, common_name=host, issuer_common_name=DEMO_CA_NAME
    ).exists()


def seed(clients: dict, people: dict, out) -> None:
    """Give each demo client certificates in every state; skip those present."""
    ca = None
    for slug, client in clients.items():
        created = 0
        for label, days_before, days_after, purchased, status in DEMO_CERTIFICATES:
            host = f"{label}.{slug}.test"
            if _exists(client, host):
                continue
            ca = ca or demo_ca()
            certificate = _store(client, ca, host, days_before, days_after, purchased)
            if status is not None:
                certificate.status = status
                certificate.save(update_fields=["status"])
            created += 1
        host = f"{RENEWED_LABEL}.{slug}.test"
        if not _exists(client, host):
            ca = ca or demo_ca()
            old = _store(client, ca, host, 340, 25, PurchasedThrough.PROVIDER)
            _store(client, ca, host, 1, 364, PurchasedThrough.PROVIDER, replaces=old)
            created += 2
        out.write(f"  {slug}: {created} demo certificates created\n")
