"""Real X.509 certificates for tests, signed by a throwaway CA made here."""

from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certificates.services import store_certificate


@cache
def test_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CertPortal Test Root")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


# Not a test: pytest would collect the name wherever a test module imports it.
test_ca.__test__ = False


def issue_leaf(
    common_name: str,
    dns_names: list[str] | None = None,
    days: int = 90,
    not_before: datetime | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_certificate, ca_key = test_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    names = dns_names or [common_name]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in names]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return certificate, key


def make_certificate(client, common_name: str = "www.example.com", **options):
    leaf, _ = issue_leaf(common_name, **options)
    certificate, _ = store_certificate(client, leaf, [test_ca()[0]])
    return certificate


@cache
def intermediate_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """An intermediate CA signed by the test root, for three-level chains."""
    root, root_key = test_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(
                        NameOID.COMMON_NAME, "CertPortal Test Intermediate"
                    )
                ]
            )
        )
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    return certificate, key


def issue_with(
    common_name: str,
    key,
    *,
    issuer=None,
    dns_names: list[str] | None = None,
    days: int = 90,
    not_before: datetime | None = None,
    algorithm=None,
) -> x509.Certificate:
    """A leaf for an existing `key`, signed by `issuer` (default: the test root)."""
    issuer_certificate, issuer_key = issuer or test_ca()
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(issuer_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(name) for name in dns_names or [common_name]]
            ),
            critical=False,
        )
        .sign(issuer_key, algorithm or hashes.SHA256())
    )


def pem_of(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def key_pem(key, password: bytes | None = None, *, pkcs1: bool = False) -> bytes:
    """The private key as PEM: PKCS#8 (encrypted with `password`) or PKCS#1/SEC1."""
    if pkcs1:
        key_format = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        key_format = serialization.PrivateFormat.PKCS8
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, key_format, encryption)
