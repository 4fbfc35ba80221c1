"""A root, an intermediate and leaves for TLS servers in tests."""

from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(subject: str, issuer=None):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    issuer_certificate, issuer_key = issuer or (None, key)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(
            issuer_certificate.subject if issuer_certificate else _name(subject)
        )
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
    return certificate, key


@cache
def root():
    return _ca("Monitoring Test Root")


@cache
def intermediate():
    return _ca("Monitoring Test Intermediate", root())


def leaf(
    common_name: str = "shop.example.com", days: int = 60, start_days_ago: int = 1
):
    """Return (certificate, key) issued by the intermediate."""
    issuer_certificate, issuer_key = intermediate()
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(UTC) - timedelta(days=start_days_ago)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return certificate, key


def pem(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def store(client, common_name="shop.example.com", days=60, start_days_ago=1, **kwargs):
    """Store a leaf with its key and chain [intermediate, root]; return (row, key)."""
    from certificates.models import PrivateKey
    from certificates.services import store_certificate
    from certificates.x509info import key_description, public_key_sha256

    certificate, key = leaf(common_name, days, start_days_ago)
    algorithm, size = key_description(key)
    private_key = PrivateKey(
        client=client,
        algorithm=algorithm,
        key_size=size,
        public_key_sha256=public_key_sha256(key.public_key()),
    )
    private_key.set_pem(key_pem(key))
    private_key.save()
    row, _ = store_certificate(
        client,
        certificate,
        [intermediate()[0], root()[0]],
        private_key=private_key,
        **kwargs,
    )
    return row, key


def leaf_of(row):
    """The cryptography certificate of a stored Certificate row."""
    return x509.load_pem_x509_certificate(row.pem.encode())
