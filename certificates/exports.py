"""Downloads of certificates and keys. Every export is audited."""

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditAction
from audit.services import record
from certificates.models import Certificate

MIN_EXPORT_PASSWORD_LENGTH = 8
# Windows Server 2016 and older cannot read AES-protected PKCS#12 files.
PKCS12_ENCRYPTIONS = {
    "aes256": (
        serialization.pkcs12.PBES.PBESv2SHA256AndAES256CBC,
        hashes.SHA256(),
    ),
    "legacy": (
        serialization.pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC,
        hashes.SHA1(),  # noqa: S303  (the legacy format requires an SHA-1 MAC)
    ),
}


def file_stem(certificate: Certificate) -> str:
    base = certificate.common_name or f"certificate-{certificate.pk}"
    return base.replace("*", "wildcard").replace("/", "_")


def leaf_pem(certificate: Certificate, *, actor=None, request=None) -> str:
    record(
        AuditAction.CERTIFICATE_EXPORTED,
        certificate,
        actor=actor,
        request=request,
        format="pem",
    )
    return certificate.pem


def full_chain_pem(certificate: Certificate, *, actor=None, request=None) -> str:
    record(
        AuditAction.CERTIFICATE_EXPORTED,
        certificate,
        actor=actor,
        request=request,
        format="chain",
    )
    return certificate.pem + certificate.chain_pem


def validate_export_password(password: str) -> None:
    if len(password or "") < MIN_EXPORT_PASSWORD_LENGTH:
        raise ValidationError(
            "The file password has %(length)s characters; use at least %(minimum)s "
            "so the key inside is hard to guess.",
            code="password_too_short",
            params={
                "length": len(password or ""),
                "minimum": MIN_EXPORT_PASSWORD_LENGTH,
            },
        )


def require_private_key(certificate: Certificate) -> None:
    if certificate.private_key_id is None:
        raise ValidationError(
            "The portal has no private key for %(name)s, so it cannot build a "
            "PKCS#12 file or hand out the key. Use the PEM downloads instead.",
            code="no_private_key",
            params={"name": certificate.common_name or certificate.subject},
        )


def pkcs12_bundle(
    certificate: Certificate,
    password: str,
    *,
    encryption: str = "aes256",
    actor=None,
    request=None,
) -> bytes:
    """Build a PKCS#12 file with the key, the leaf and the chain."""
    validate_export_password(password)
    require_private_key(certificate)
    algorithm, mac = PKCS12_ENCRYPTIONS[encryption]
    key = serialization.load_pem_private_key(
        certificate.private_key.get_pem(), password=None
    )
    chain = (
        x509.load_pem_x509_certificates(certificate.chain_pem.encode())
        if (certificate.chain_pem)
        else []
    )
    protection = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50000 if encryption == "aes256" else 2048)
        .key_cert_algorithm(algorithm)
        .hmac_hash(mac)
        .build(password.encode())
    )
    data = pkcs12.serialize_key_and_certificates(
        name=file_stem(certificate).encode(),
        key=key,
        cert=x509.load_pem_x509_certificate(certificate.pem.encode()),
        cas=chain or None,
        encryption_algorithm=protection,
    )
    record(
        AuditAction.CERTIFICATE_EXPORTED,
        certificate,
        actor=actor,
        request=request,
        format="pkcs12",
        encryption=encryption,
    )
    return data


def check_account_password(user, password: str) -> None:
    """Raise ValidationError unless `password` is the signed-in person's own."""
    if not password or not user.check_password(password):
        raise ValidationError(
            "The password is not your account password. Enter the password you "
            "sign in with.",
            code="wrong_account_password",
        )


def private_key_pem(certificate: Certificate, user, password: str, *, request=None):
    """Return the unencrypted PKCS#8 PEM after checking the person's password.

    The download is audited as key_downloaded before the key is returned.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    check_account_password(user, password)
    require_private_key(certificate)
    pem = certificate.private_key.get_pem()
    record(
        AuditAction.KEY_DOWNLOADED,
        certificate.private_key,
        client=certificate.client,
        actor=user,
        request=request,
        certificate_id=certificate.pk,
    )
    return pem
