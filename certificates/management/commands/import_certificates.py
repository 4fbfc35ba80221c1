"""Import certificate files into one client's inventory from the command line."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Client
from certificates.choices import PurchasedThrough
from certificates.importing import import_upload


class Command(BaseCommand):
    help = (
        "Import certificates from PEM, DER, PKCS#7 or PKCS#12 files into a client's "
        "inventory. Each file may hold many certificates (a bundle); one line is "
        "printed per certificate. Exits with status 1 if any file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--client", required=True, metavar="SLUG", help="Slug of the client."
        )
        parser.add_argument(
            "--client-owned",
            action="store_true",
            help="Mark the certificates as bought by the client, not the provider.",
        )
        parser.add_argument(
            "--password-file",
            metavar="F",
            help="File whose first line is the password of PKCS#12 files or "
            "encrypted keys.",
        )

    def handle(self, *args, files, client, client_owned, password_file, **options):
        try:
            owner = Client.objects.get(slug=client)
        except Client.DoesNotExist:
            raise CommandError(
                f"No client has the slug {client!r}. Check the slug in the admin "
                "console."
            ) from None
        password = self._read_password(password_file)
        purchased = (
            PurchasedThrough.CLIENT if client_owned else PurchasedThrough.PROVIDER
        )
        failed = 0
        for name in files:
            if not self._import_one(owner, Path(name), password, purchased):
                failed += 1
        if failed:
            raise CommandError(f"{failed} of {len(files)} files failed to import.")

    def _read_password(self, path) -> bytes | None:
        if not path:
            return None
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(
                f"Cannot read the password file {path}: {error.strerror}."
            ) from None
        lines = text.splitlines()
        return lines[0].encode() if lines and lines[0] else None

    def _import_one(self, client, path: Path, password, purchased) -> bool:
        try:
            data = path.read_bytes()
        except OSError as error:
            self.stderr.write(f"{path}: cannot read the file: {error.strerror}.")
            return False
        try:
            result = import_upload(
                client,
                name=path.name,
                data=data,
                password=password,
                bundle=True,
                purchased_through=purchased,
            )
        except ValidationError as error:
            self.stderr.write(f"{path}: {' '.join(error.messages)}")
            return False
        for item in result.items:
            self.stdout.write(f"{path}: {item.line()}")
        return True
