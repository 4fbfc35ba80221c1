"""Reading certificates and private keys out of the files people upload.

One function, `read_file`, accepts every format the portal imports. These are
PEM (also with a byte-order mark, CRLF line ends or text around the blocks),
DER, PKCS#7 in PEM or DER, and PKCS#12, including the RC2 and 3DES files Windows
exports. Private keys may be PKCS#1, PKCS#8, encrypted PKCS#8, SEC1 (EC) or
Ed25519. Every failure
raises a ValidationError with a code, so the form, the admin, the API and the
command all show the same message.
"""

import re
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from django.core.exceptions import ValidationError

PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
PEM_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
BYTE_ORDER_MARK = b"\xef\xbb\xbf"

CERTIFICATE_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE"}
PKCS7_LABELS = {b"PKCS7", b"CMS"}
KEY_LABELS = {
    b"PRIVATE KEY",
    b"RSA PRIVATE KEY",
    b"EC PRIVATE KEY",
    b"ENCRYPTED PRIVATE KEY",
}
CSR_LABELS = {b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST"}


@dataclass
class ParsedFile:
    """The certificates and private keys found in one uploaded file."""

    certificates: list[x509.Certificate] = field(default_factory=list)
    private_keys: list = field(default_factory=list)


def read_file(data: bytes, name: str, password: bytes | None = None) -> ParsedFile:
    """Parse `data`, the content of the file called `name`.

    `password` unlocks a PKCS#12 file or an encrypted private key. Raises
    ValidationError (codes: not_certificate, truncated, password_required,
    wrong_password, csr_not_certificate) when nothing usable can be read.
    """
    if data.startswith(BYTE_ORDER_MARK):
        data = data[len(BYTE_ORDER_MARK) :]
    if PEM_BEGIN.search(data):
        parsed = _read_pem(data, name, password)
    else:
        parsed = _read_binary(data, name, password)
    if not parsed.certificates and not parsed.private_keys:
        raise _not_certificate(name)
    return parsed


def _read_pem(data: bytes, name: str, password: bytes | None) -> ParsedFile:
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    parsed = ParsedFile()
    complete = 0
    for match in PEM_BLOCK.finditer(data):
        complete += 1
        label = match.group(1)
        block = match.group(0)
        if label in CERTIFICATE_LABELS:
            parsed.certificates.append(
                _load(x509.load_pem_x509_certificate, block, name)
            )
        elif label in PKCS7_LABELS:
            parsed.certificates.extend(
                _load(pkcs7.load_pem_pkcs7_certificates, block, name)
            )
        elif label in KEY_LABELS:
            parsed.private_keys.append(_load_pem_key(block, name, password))
        elif label in CSR_LABELS:
            raise ValidationError(
                "%(name)s is a certificate signing request, not a certificate. "
                "Upload it on the CSR upload page instead.",
                code="csr_not_certificate",
                params={"name": name},
            )
    if complete < len(PEM_BEGIN.findall(data)):
        raise _truncated(name)
    return parsed


def _read_binary(data: bytes, name: str, password: bytes | None) -> ParsedFile:
    declared = der_length(data)
    if declared is None:
        raise _not_certificate(name)
    if declared > len(data):
        raise _truncated(name)
    if _looks_like_pkcs12(data):
        return _read_pkcs12(data, name, password)
    for loader in (_der_certificate, _der_pkcs7):
        parsed = loader(data)
        if parsed is not None:
            return parsed
    try:
        key = serialization.load_der_private_key(data, password)
    except TypeError:
        raise _password_required(name) from None
    except ValueError:
        raise _not_certificate(name) from None
    return ParsedFile(private_keys=[key])


def _der_certificate(data: bytes) -> ParsedFile | None:
    try:
        return ParsedFile(certificates=[x509.load_der_x509_certificate(data)])
    except ValueError:
        return None


def _der_pkcs7(data: bytes) -> ParsedFile | None:
    try:
        return ParsedFile(certificates=pkcs7.load_der_pkcs7_certificates(data))
    except ValueError:
        return None


def _read_pkcs12(data: bytes, name: str, password: bytes | None) -> ParsedFile:
    # OpenSSL reports a wrong password and damaged data alike, but the outer
    # structure has already been checked, so a failure here means the password.
    # Windows exports "no password" files with an empty password, hence the retry.
    attempts = [password] if password else [None, b""]
    for attempt in attempts:
        try:
            bundle = pkcs12.load_pkcs12(data, attempt)
        except ValueError:
            continue
        parsed = ParsedFile()
        if bundle.cert is not None:
            parsed.certificates.append(bundle.cert.certificate)
        parsed.certificates.extend(item.certificate for item in bundle.additional_certs)
        if bundle.key is not None:
            parsed.private_keys.append(bundle.key)
        return parsed
    if not password:
        raise _password_required(name)
    raise ValidationError(
        "The password for %(name)s is wrong. Enter the password the file was "
        "exported with.",
        code="wrong_password",
        params={"name": name},
    )


def _load_pem_key(block: bytes, name: str, password: bytes | None):
    try:
        return serialization.load_pem_private_key(block, password or None)
    except TypeError:
        # Raised both for "encrypted, no password" and "not encrypted, password
        # given"; the second case is retried without the password.
        if password:
            return _load_pem_key(block, name, None)
        raise _password_required(name) from None
    except ValueError:
        if password and b"ENCRYPTED" in block:
            raise ValidationError(
                "The password for the private key in %(name)s is wrong. Enter the "
                "password the key was encrypted with.",
                code="wrong_password",
                params={"name": name},
            ) from None
        raise _truncated(name) from None


def _load(loader, block: bytes, name: str):
    try:
        return loader(block)
    except ValueError:
        raise _truncated(name) from None


def der_length(data: bytes) -> int | None:
    """Return the total length that the outer DER SEQUENCE of `data` declares.

    None means `data` does not start like DER at all. A value larger than
    len(data) means the file was cut short.
    """
    if len(data) < 2 or data[0] != 0x30:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(data) < 2 + count:
        return None
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def _looks_like_pkcs12(data: bytes) -> bool:
    # PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, ... }
    header = 2 + (data[1] & 0x7F if data[1] >= 0x80 else 0)
    return data[header : header + 3] == b"\x02\x01\x03"


def _not_certificate(name: str) -> ValidationError:
    return ValidationError(
        "%(name)s contains no certificate or private key. Upload a PEM, DER, "
        "PKCS#7 (.p7b) or PKCS#12 (.pfx, .p12) file.",
        code="not_certificate",
        params={"name": name},
    )


def _truncated(name: str) -> ValidationError:
    return ValidationError(
        "%(name)s is truncated or damaged: its data ends early or does not decode. "
        "Export the file again and upload all of it.",
        code="truncated",
        params={"name": name},
    )


def _password_required(name: str) -> ValidationError:
    return ValidationError(
        "%(name)s is protected by a password. Enter the password and upload it again.",
        code="password_required",
        params={"name": name},
    )
