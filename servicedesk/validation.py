"""Checks of what people type and upload, shared by forms, the admin and the API."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

SUBJECT_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 20_000

# Extension -> (content type, test of the first bytes). Text formats must decode
# as UTF-8 and contain no NUL byte; binary formats must start with their magic.
_TEXT = "text"
ALLOWED_ATTACHMENTS = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".txt": ("text/plain", _TEXT),
    ".log": ("text/plain", _TEXT),
    ".csv": ("text/csv", _TEXT),
    ".pem": ("application/x-pem-file", _TEXT),
    ".crt": ("application/x-pem-file", _TEXT),
    ".cer": ("application/x-pem-file", _TEXT),
    ".csr": ("application/x-pem-file", _TEXT),
}
SNIFF_BYTES = 2048


def validate_text(value: str, field: str, max_length: int) -> None:
    """Reject empty (or whitespace-only) and oversize text for `field`."""
    if not (value or "").strip():
        raise ValidationError(
            "The %(field)s is empty. Write at least one word.",
            code="empty",
            params={"field": field.replace("_", " ")},
        )
    if len(value) > max_length:
        raise ValidationError(
            "The %(field)s has %(length)d characters, more than the maximum of "
            "%(max)d. Shorten it or attach the rest as a text file.",
            code="too_long",
            params={
                "field": field.replace("_", " "),
                "length": len(value),
                "max": max_length,
            },
        )


def validate_links(client_id: int, certificate, csr) -> None:
    """Reject a certificate or CSR that belongs to another client."""
    errors = {}
    for name, row, label in (
        ("certificate", certificate, "certificate"),
        ("csr", csr, "CSR"),
    ):
        if row is not None and row.client_id != client_id:
            errors[name] = ValidationError(
                "The %(label)s belongs to another client. Choose one of this client's.",
                code="other_client",
                params={"label": label},
            )
    if errors:
        raise ValidationError(errors)


def attachment_max_bytes() -> int:
    return settings.SERVICEDESK_ATTACHMENT_MAX_BYTES


def content_type_for(name: str) -> str:
    return ALLOWED_ATTACHMENTS[PurePath(name).suffix.lower()][0]


def validate_attachment(upload) -> None:
    """Check size, extension, and that the first bytes match the extension."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_ATTACHMENTS:
        raise ValidationError(
            "%(name)r is not an allowed file type. Attach one of: %(allowed)s.",
            code="file_type",
            params={"name": name, "allowed": ", ".join(sorted(ALLOWED_ATTACHMENTS))},
        )
    limit = attachment_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            "%(name)r is %(size)s, larger than the limit of %(max)s. "
            "Compress it or attach a smaller extract.",
            code="file_too_large",
            params={
                "name": name,
                "size": filesizeformat(upload.size),
                "max": filesizeformat(limit),
            },
        )
    if upload.size == 0:
        raise ValidationError(
            "%(name)r is empty. Attach a file with content.",
            code="file_empty",
            params={"name": name},
        )
    if not _content_matches(_first_bytes(upload), ALLOWED_ATTACHMENTS[suffix][1]):
        raise ValidationError(
            "The content of %(name)r does not match its %(suffix)s extension. "
            "Attach the original file, or rename it with the right extension.",
            code="file_content",
            params={"name": name, "suffix": suffix},
        )


def _first_bytes(upload) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(position)
    return head


def _content_matches(head: bytes, expected) -> bool:
    if expected is _TEXT:
        if b"\x00" in head:
            return False
        try:
            # A multi-byte character may be cut at the end of the sample.
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            return exc.start >= len(head) - 3
        return True
    return head.startswith(expected)
