"""Re-encryption of encrypted model fields under the newest configured key.

A model takes part by listing its encrypted BinaryFields in an `ENCRYPTED_FIELDS`
class attribute (certificates.PrivateKey does); every installed app is searched.
"""

import logging

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import transaction

from audit.models import AuditAction
from audit.services import record_many
from certificates.encryption import rotate

logger = logging.getLogger(__name__)
BATCH_SIZE = 500


def encrypted_models() -> list:
    return [
        model for model in apps.get_models() if getattr(model, "ENCRYPTED_FIELDS", None)
    ]


def _is_current(newest: Fernet, token: bytes) -> bool:
    try:
        newest.decrypt(token)
    except InvalidToken:
        return False
    return True


def rotate_model(model) -> tuple[int, int]:
    """Re-encrypt the rows of `model` not yet under the newest key.

    Returns (rows re-encrypted, rows checked). Each batch commits on its own,
    so an interrupted run keeps its progress and a rerun finishes the rest.
    Raises KeyDecryptionError when a value decrypts under no configured key.
    """
    newest = Fernet(settings.PRIVATE_KEY_ENCRYPTION_KEYS[0])
    fields = list(model.ENCRYPTED_FIELDS)
    rotated = checked = 0
    last_pk = None
    while True:
        queryset = model._default_manager.order_by("pk").only("pk", *fields)
        if last_pk is not None:
            queryset = queryset.filter(pk__gt=last_pk)
        batch = list(queryset[:BATCH_SIZE])
        if not batch:
            break
        last_pk = batch[-1].pk
        checked += len(batch)
        rotated += _rotate_batch(model, batch, fields, newest)
    logger.info(
        "encryption key rotation model=%s rotated=%d checked=%d",
        model._meta.label,
        rotated,
        checked,
    )
    return rotated, checked


@transaction.atomic
def _rotate_batch(model, batch, fields, newest) -> int:
    changed = []
    for row in batch:
        dirty = False
        for name in fields:
            token = getattr(row, name)
            if token is None:
                continue
            token = bytes(token)
            if not _is_current(newest, token):
                setattr(row, name, rotate(token))
                dirty = True
        if dirty:
            changed.append(row)
    if changed:
        model._default_manager.bulk_update(changed, fields)
        if getattr(model, "tenant_field", None) == "client":
            rows = model._default_manager.filter(
                pk__in=[row.pk for row in changed]
            ).select_related("client")
            record_many(AuditAction.KEY_ROTATED, list(rows))
    return len(changed)
