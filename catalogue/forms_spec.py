"""Validation of the answers to an item's form fields, shared by portal and API."""

from datetime import date

from django.core.exceptions import ValidationError

from catalogue.choices import FieldType
from certificates.choices import CertificateStatus
from certificates.models import Certificate

TEXT_MAX_LENGTH = 2000


def certificate_choices(client):
    """The certificates a request may name: the client's own, not replaced."""
    return Certificate.objects.filter(client=client).exclude(
        status=CertificateStatus.REPLACED
    )


def _error(name: str, message: str, code: str, **params) -> ValidationError:
    return ValidationError({name: ValidationError(message, code=code, params=params)})


def _as_ids(name: str, value, many: bool) -> list[int]:
    values = value if isinstance(value, (list, tuple)) else [value]
    if not many and len(values) != 1:
        raise _error(name, "Choose exactly one certificate.", "one_certificate")
    try:
        return [int(item) for item in values]
    except (TypeError, ValueError):
        raise _error(
            name,
            "%(value)r is not a certificate id. Choose certificates from the list.",
            "invalid_certificate",
            value=value,
        ) from None


def _clean_certificates(name, value, client, many):
    ids = _as_ids(name, value, many)
    found = {c.pk: c for c in certificate_choices(client).filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        # Another client's certificate is reported exactly like a missing one.
        raise _error(
            name,
            "Certificate %(value)s was not found among your organisation's "
            "current certificates. Choose one from the list.",
            "certificate_not_found",
            value=", ".join(missing),
        )
    return [found[pk] for pk in ids]


def _clean_value(spec: dict, value, client):
    name = spec["name"]
    kind = spec["type"]
    if kind in (FieldType.CERTIFICATE, FieldType.CERTIFICATES):
        chosen = _clean_certificates(
            name, value, client, many=kind == FieldType.CERTIFICATES
        )
        ids = [certificate.pk for certificate in chosen]
        return (ids if kind == FieldType.CERTIFICATES else ids[0]), chosen
    if kind == FieldType.DATE:
        try:
            return date.fromisoformat(str(value)).isoformat(), []
        except ValueError:
            raise _error(
                name,
                "%(value)r is not a date. Use the form YYYY-MM-DD.",
                "invalid_date",
                value=value,
            ) from None
    text = str(value).strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise _error(
            name,
            "The text is %(length)s characters long; at most %(limit)s are allowed. "
            "Shorten it.",
            "text_too_long",
            length=len(text),
            limit=TEXT_MAX_LENGTH,
        )
    return text, []


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def clean_answers(item, client, answers: dict) -> tuple[dict, list]:
    """Validate `answers` against the item's fields.

    Returns (answers ready to store as JSON, the chosen certificates).

    Answers to fields the item does not ask for are dropped. Every bad answer is
    reported, keyed by its field name.
    """
    answers = answers or {}
    cleaned, certificates, errors = {}, [], {}
    for spec in item.form_fields:
        name = spec["name"]
        value = answers.get(name)
        if _is_empty(value):
            if spec.get("required", True):
                errors[name] = ValidationError(
                    "%(label)s is required.",
                    code="required",
                    params={"label": spec.get("label", name)},
                )
            continue
        try:
            cleaned[name], chosen = _clean_value(spec, value, client)
        except ValidationError as error:
            errors.update(error.error_dict)
            continue
        certificates.extend(chosen)
    if errors:
        raise ValidationError(errors)
    return cleaned, certificates
