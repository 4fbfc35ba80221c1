"""Certificate signing requests: name rules, key generation and CSR uploads.

The portal form and the API serializer validate through
`certificates.forms.CsrGenerateForm` and `CsrUploadForm`, which call the
validators here. The service functions below then store the result.
"""

import re

import idna
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices

from audit.models import AuditAction
from audit.services import record
from certificates.chains import weak_key_description
from certificates.choices import CsrSource
from certificates.importing import new_private_key
from certificates.models import CertificateSigningRequest
from certificates.x509info import (
    common_name,
    is_ip_address,
    key_description,
    public_key_sha256,
    subject_alternative_names,
    to_unicode,
)

MAX_NAMES = 100
MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
# RFC 5280 ub-common-name: a longer name can only go in the SAN extension.
MAX_COMMON_NAME_LENGTH = 64
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")


class KeyType(TextChoices):
    EC_P256 = "ec-p256", "ECDSA P-256 (recommended)"
    EC_P384 = "ec-p384", "ECDSA P-384"
    RSA_2048 = "rsa-2048", "RSA 2048"
    RSA_3072 = "rsa-3072", "RSA 3072"
    RSA_4096 = "rsa-4096", "RSA 4096"


def validate_key_type(value: str) -> None:
    if value in KeyType.values:
        return
    match = re.fullmatch(r"rsa-(\d+)", value or "")
    if match and int(match.group(1)) < 2048:
        raise ValidationError(
            "Key type %(value)r is too weak: RSA keys must have at least 2048 bits. "
            "Choose rsa-2048, rsa-3072 or rsa-4096, or ec-p256.",
            code="weak_key_type",
            params={"value": value},
        )
    raise ValidationError(
        "Key type %(value)r is not supported. Choose one of: %(choices)s.",
        code="invalid_key_type",
        params={"value": value, "choices": ", ".join(KeyType.values)},
    )


def normalise_name(value: str) -> str:
    """Return the lower-case A-label form of a DNS name, or raise ValidationError.

    The rules: IDNA 2008 labels (with UTS #46 mapping, so "Bücher" becomes
    "xn--bcher-kva"), a wildcard only as the whole leftmost label, no empty
    label, at most 63 octets a label and 253 a name, and no IP address.
    """
    text = (value or "").strip()
    name = text.rstrip(".").lower()
    if not name:
        raise ValidationError(
            "A name is empty. Remove the extra comma or blank line.",
            code="empty_name",
        )
    if is_ip_address(name):
        raise ValidationError(
            "%(value)r is an IP address. Enter DNS names only.",
            code="ip_address",
            params={"value": text},
        )
    labels = name.split(".")
    wildcard = labels[0] == "*"
    if wildcard:
        labels = labels[1:]
    _check_labels(text, labels, wildcard)
    _check_lengths(text, name)
    try:
        a_labels = [idna.encode(label, uts46=True).decode("ascii") for label in labels]
    except idna.IDNAError as error:
        raise ValidationError(
            "%(value)r is not a valid DNS name (%(reason)s). Use letters, digits "
            "and hyphens in each label.",
            code="invalid_name",
            params={"value": text, "reason": str(error)},
        ) from None
    result = ".".join((["*"] if wildcard else []) + a_labels)
    _check_lengths(text, result)
    return result


def _check_labels(text: str, labels: list[str], wildcard: bool) -> None:
    if "" in labels or not labels:
        raise ValidationError(
            "%(value)r has an empty label. Remove the doubled or leading dot.",
            code="empty_label",
            params={"value": text},
        )
    if any("*" in label for label in labels):
        raise ValidationError(
            "%(value)r has a wildcard in the wrong place. A wildcard must be the "
            "whole leftmost label, as in *.example.com.",
            code="misplaced_wildcard",
            params={"value": text},
        )
    if wildcard and len(labels) < 2:
        raise ValidationError(
            "%(value)r is a wildcard for a whole top-level domain. Put the "
            "wildcard under a registered domain, as in *.example.com.",
            code="wildcard_too_broad",
            params={"value": text},
        )


def _check_lengths(text: str, a_label_name: str) -> None:
    for label in a_label_name.split("."):
        if len(label) > MAX_LABEL_LENGTH:
            raise ValidationError(
                "%(value)r has a label of %(length)s characters; the limit is "
                "%(limit)s. Shorten the label %(label)r.",
                code="label_too_long",
                params={
                    "value": text,
                    "length": len(label),
                    "limit": MAX_LABEL_LENGTH,
                    "label": label,
                },
            )
    if len(a_label_name) > MAX_NAME_LENGTH:
        raise ValidationError(
            "%(value)r is %(length)s characters long; the limit is %(limit)s. "
            "Use a shorter name.",
            code="name_too_long",
            params={
                "value": text,
                "length": len(a_label_name),
                "limit": MAX_NAME_LENGTH,
            },
        )


def split_names(text: str) -> list[str]:
    """Split the names a person typed, one a line or separated by commas."""
    return [part.strip() for part in re.split(r"[,\s]+", text or "") if part.strip()]


def normalise_names(common_name_value: str, others: list[str]) -> list[str]:
    """Return the common name followed by the other names, validated.

    Raises one ValidationError listing every bad name, a duplicate or more than
    MAX_NAMES names. The common name may be repeated in `others` because people
    often list it there too.
    """
    errors = []
    primary = normalise_name(common_name_value)
    names = [primary]
    for value in others:
        try:
            name = normalise_name(value)
        except ValidationError as error:
            errors.append(error)
            continue
        if name == primary:
            continue
        if name in names:
            errors.append(
                ValidationError(
                    "%(value)r is listed twice. Remove the duplicate.",
                    code="duplicate_name",
                    params={"value": value},
                )
            )
            continue
        names.append(name)
    if errors:
        raise ValidationError(errors)
    if len(names) > MAX_NAMES:
        raise ValidationError(
            "%(count)s names were given; a certificate may have at most %(limit)s. "
            "Split the names across several certificates.",
            code="too_many_names",
            params={"count": len(names), "limit": MAX_NAMES},
        )
    return names


def validate_country(value: str) -> str:
    value = (value or "").strip().upper()
    if value and not COUNTRY_PATTERN.match(value):
        raise ValidationError(
            "Country %(value)r is not a two-letter ISO 3166 code. Use a code such "
            "as GB, US or DE.",
            code="invalid_country",
            params={"value": value},
        )
    return value


def generate_key(key_type: str):
    validate_key_type(key_type)
    algorithm, size = key_type.split("-")
    if algorithm == "ec":
        curve = ec.SECP256R1() if size == "p256" else ec.SECP384R1()
        return ec.generate_private_key(curve)
    return rsa.generate_private_key(public_exponent=65537, key_size=int(size))


def build_subject(
    common_name_value: str, organization="", locality="", state="", country=""
) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name_value)]
    for oid, value in (
        (NameOID.ORGANIZATION_NAME, organization),
        (NameOID.LOCALITY_NAME, locality),
        (NameOID.STATE_OR_PROVINCE_NAME, state),
        (NameOID.COUNTRY_NAME, country),
    ):
        if value:
            attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


@transaction.atomic
def generate_csr(
    client,
    *,
    system: str,
    names: list[str],
    key_type: str = KeyType.EC_P256,
    organization: str = "",
    locality: str = "",
    state_or_province: str = "",
    country: str = "",
    actor=None,
    request=None,
) -> CertificateSigningRequest:
    """Generate a key and a CSR for already validated `names` (common name first).

    The key is stored encrypted; both the key and the CSR are audited.
    """
    key = generate_key(key_type)
    subject = build_subject(
        names[0], organization, locality, state_or_province, country
    )
    request_pem = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(subject)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in names]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    private_key = new_private_key(client, key, actor)
    private_key.save()
    record(AuditAction.KEY_GENERATED, private_key, actor=actor, request=request)
    algorithm, size = key_description(key)
    csr = CertificateSigningRequest.objects.create(
        client=client,
        system=system,
        common_name=names[0],
        organization=organization,
        locality=locality,
        state_or_province=state_or_province,
        country=country,
        dns_names=names,
        key_algorithm=algorithm,
        key_size=size,
        pem=request_pem,
        public_key_sha256=private_key.public_key_sha256,
        source=CsrSource.GENERATED,
        private_key=private_key,
        created_by=actor,
    )
    record(AuditAction.CSR_GENERATED, csr, actor=actor, request=request)
    return csr


def load_csr(data: bytes) -> x509.CertificateSigningRequest:
    """Parse a PEM or DER CSR and verify its signature, or raise ValidationError."""
    data = data.removeprefix(b"\xef\xbb\xbf").strip()
    try:
        if data.startswith(b"-----BEGIN"):
            parsed = x509.load_pem_x509_csr(data)
        else:
            parsed = x509.load_der_x509_csr(data)
    except ValueError:
        raise ValidationError(
            "The file is not a certificate signing request, or it is damaged. "
            "Upload the PEM or DER file that your server generated.",
            code="invalid_csr",
        ) from None
    if not parsed.is_signature_valid:
        raise ValidationError(
            "The CSR's signature does not verify, so it was altered after it was "
            "made. Generate the CSR again.",
            code="bad_csr_signature",
        )
    return parsed


def inspect_csr(parsed: x509.CertificateSigningRequest, expected=None):
    """Return (names, warnings) of an uploaded CSR, or raise ValidationError.

    Names are the common name followed by the SANs, validated like typed names.
    A weak key or a difference from the `expected` names is an error.
    """
    cn = common_name(parsed.subject)
    dns_names, ips = subject_alternative_names(parsed)
    warnings = []
    weak = weak_key_description(parsed.public_key())
    if weak:
        raise ValidationError(
            "The CSR's key is too weak (%(key)s). Generate a new key of at least "
            "RSA 2048 bits or ECDSA P-256 and a new CSR.",
            code="weak_key",
            params={"key": weak},
        )
    if not cn and not dns_names:
        raise ValidationError(
            "The CSR names no domain: it has no common name and no DNS names. "
            "Generate it again with the site's name.",
            code="no_names",
        )
    if ips:
        warnings.append(
            "The CSR contains IP addresses (" + ", ".join(ips) + "); they are ignored."
        )
    names = normalise_names(cn or dns_names[0], dns_names)
    if cn and dns_names and names[0] not in dns_names:
        warnings.append(
            f"The common name {to_unicode(names[0])} is not among the CSR's "
            "subject alternative names; the certificate will include it."
        )
    if expected:
        _compare_names(names, expected)
    return names, warnings


def _compare_names(names: list[str], expected: list[str]) -> None:
    missing = [name for name in expected if name not in names]
    extra = [name for name in names if name not in expected]
    if missing or extra:
        raise ValidationError(
            "The CSR's names differ from the names you entered. Missing from the "
            "CSR: %(missing)s. Not entered: %(extra)s. Correct the names or "
            "generate the CSR again.",
            code="names_mismatch",
            params={
                "missing": ", ".join(missing) or "none",
                "extra": ", ".join(extra) or "none",
            },
        )


@transaction.atomic
def store_uploaded_csr(
    client, *, system: str, parsed, names: list[str], actor=None, request=None
) -> CertificateSigningRequest:
    subject = parsed.subject

    def attribute(oid) -> str:
        values = subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    algorithm, size = key_description(parsed.public_key())
    csr = CertificateSigningRequest.objects.create(
        client=client,
        system=system,
        common_name=names[0],
        organization=attribute(NameOID.ORGANIZATION_NAME)[:64],
        locality=attribute(NameOID.LOCALITY_NAME)[:128],
        state_or_province=attribute(NameOID.STATE_OR_PROVINCE_NAME)[:128],
        country=attribute(NameOID.COUNTRY_NAME)[:2],
        dns_names=names,
        key_algorithm=algorithm,
        key_size=size,
        pem=parsed.public_bytes(serialization.Encoding.PEM).decode(),
        public_key_sha256=public_key_sha256(parsed.public_key()),
        source=CsrSource.UPLOADED,
        created_by=actor,
    )
    record(AuditAction.CSR_UPLOADED, csr, actor=actor, request=request)
    return csr
