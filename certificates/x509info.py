"""Facts derived from parsed certificates, keys and CSRs (cryptography objects)."""

import hashlib
import ipaddress
import re

import idna
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from certificates.choices import KeyAlgorithm


def public_key_sha256(public_key) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def key_description(public_key) -> tuple[str, int]:
    """Return (algorithm, size in bits) of a public or private key."""
    if isinstance(public_key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return KeyAlgorithm.RSA, public_key.key_size
    if isinstance(public_key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        return KeyAlgorithm.EC, public_key.curve.key_size
    if isinstance(public_key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return KeyAlgorithm.ED25519, 256
    if isinstance(public_key, (ed448.Ed448PublicKey, ed448.Ed448PrivateKey)):
        return KeyAlgorithm.ED448, 456
    if isinstance(public_key, (dsa.DSAPublicKey, dsa.DSAPrivateKey)):
        return KeyAlgorithm.DSA, public_key.key_size
    raise ValueError(f"unsupported key type {type(public_key).__name__}")


def common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def subject_alternative_names(cert_or_csr) -> tuple[list[str], list[str]]:
    """Return (DNS names in lower-case A-label form, IP addresses as text)."""
    try:
        extension = cert_or_csr.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        )
    except x509.ExtensionNotFound:
        return [], []
    dns_names = [
        to_a_label(name) for name in extension.value.get_values_for_type(x509.DNSName)
    ]
    ips = [str(ip) for ip in extension.value.get_values_for_type(x509.IPAddress)]
    return dns_names, ips


_PLAIN_ASCII_NAME = re.compile(
    r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)


def to_a_label(name: str) -> str:
    """Lower-case A-label form of a DNS name; a leading "*." is kept as is.

    Names that are not valid IDNA (some old certificates carry them) are kept
    lower-cased rather than rejected, because the certificate exists regardless.
    """
    name = name.strip().rstrip(".").lower()
    prefix = ""
    if name.startswith("*."):
        prefix, name = "*.", name[2:]
    if _PLAIN_ASCII_NAME.fullmatch(name) and "xn--" not in name:
        # Letters, digits and hyphens map to themselves; skipping the IDNA codec
        # here makes bulk imports several times faster.
        return prefix + name
    try:
        return prefix + idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError:
        return prefix + name


def to_unicode(name: str) -> str:
    if "xn--" not in name:
        return name  # nothing to decode, and decoding is costly in long lists
    prefix = ""
    if name.startswith("*."):
        prefix, name = "*.", name[2:]
    try:
        return prefix + idna.decode(name)
    except idna.IDNAError:
        return prefix + name


def signature_algorithm_name(certificate: x509.Certificate) -> str:
    oid = certificate.signature_algorithm_oid
    return getattr(oid, "_name", None) or oid.dotted_string


def describe_certificate(certificate: x509.Certificate) -> dict:
    """Return the Certificate fields that derive from the parsed X.509 data."""
    public_key = certificate.public_key()
    algorithm, size = key_description(public_key)
    dns_names, ips = subject_alternative_names(certificate)
    return {
        "common_name": common_name(certificate.subject),
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "issuer_common_name": common_name(certificate.issuer),
        "serial_number": format(certificate.serial_number, "x"),
        "not_before": certificate.not_valid_before_utc,
        "not_after": certificate.not_valid_after_utc,
        "dns_names": dns_names,
        "ip_addresses": ips,
        "key_algorithm": algorithm,
        "key_size": size,
        "signature_algorithm": signature_algorithm_name(certificate),
        "fingerprint_sha256": certificate.fingerprint(hashes.SHA256()).hex(),
        "public_key_sha256": public_key_sha256(public_key),
        "pem": certificate.public_bytes(serialization.Encoding.PEM).decode(),
    }


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
