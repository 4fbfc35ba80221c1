"""Re-encrypt every encrypted field with the newest key of
PRIVATE_KEY_ENCRYPTION_KEYS, so older keys can then be removed."""

from django.core.management.base import BaseCommand, CommandError

from certificates.encryption import KeyDecryptionError
from certificates.rotation import encrypted_models, rotate_model


class Command(BaseCommand):
    help = (
        "Re-encrypt every private key (and every field a model lists in "
        "ENCRYPTED_FIELDS) with the first key in PRIVATE_KEY_ENCRYPTION_KEYS. "
        "Values already under that key are left alone, so reruns change nothing."
    )

    def handle(self, *args, **options):
        total = 0
        for model in encrypted_models():
            try:
                rotated, checked = rotate_model(model)
            except KeyDecryptionError as error:
                raise CommandError(f"{model._meta.label}: {error}") from None
            total += rotated
            self.stdout.write(
                f"{model._meta.label}: {rotated} of {checked} rows re-encrypted."
            )
        self.stdout.write(f"{total} rows re-encrypted in all.")
