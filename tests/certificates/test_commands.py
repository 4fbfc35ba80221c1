"""The import_certificates and rotate_encryption_key commands."""

from io import StringIO

import certifi
import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test.utils import override_settings

from audit.models import AuditAction, AuditEvent
from certificates.csr import generate_csr
from certificates.models import Certificate, PrivateKey
from tests.certificates.test_portal import pfx_chain

pytestmark = pytest.mark.django_db


def run_import(*arguments) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_certificates", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_certifi_bundle(client_a):
    expected = len(x509.load_pem_x509_certificates(open(certifi.where(), "rb").read()))

    out, err = run_import("--client", "alpha", certifi.where())

    assert err == ""
    assert len(out.splitlines()) == expected
    assert all(
        line.endswith("imported") or "warnings" in line for line in out.splitlines()
    )
    assert Certificate.objects.filter(client=client_a).count() == expected


def test_import_twice_reports_unchanged(client_a):
    run_import("--client", "alpha", certifi.where())

    out, _ = run_import("--client", "alpha", certifi.where())

    assert all(
        "already in the inventory, unchanged" in line for line in out.splitlines()
    )


def test_import_pfx_with_password_file(client_a, tmp_path):
    _, _, data = pfx_chain(b"from-a-file")
    (tmp_path / "shop.pfx").write_bytes(data)
    (tmp_path / "password.txt").write_text("from-a-file\n")

    out, _ = run_import(
        "--client",
        "alpha",
        "--client-owned",
        "--password-file",
        str(tmp_path / "password.txt"),
        str(tmp_path / "shop.pfx"),
    )

    assert out.startswith(f"{tmp_path / 'shop.pfx'}: shop.alpha.test (expires ")
    certificate = Certificate.objects.get()
    assert certificate.purchased_through == "client"
    assert certificate.private_key is not None


def test_import_failure_exits_non_zero(client_a, tmp_path):
    (tmp_path / "bad.txt").write_text("not a certificate")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_certificates",
            "--client",
            "alpha",
            str(tmp_path / "bad.txt"),
            certifi.where(),
            stdout=out,
            stderr=err,
        )

    assert str(excinfo.value) == "1 of 2 files failed to import."
    assert err.getvalue().strip() == (
        f"{tmp_path / 'bad.txt'}: bad.txt contains no certificate or private key. "
        "Upload a PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.pfx, .p12) file."
    )
    assert Certificate.objects.count() > 0  # the good file still went in


def test_import_unknown_client(db):
    with pytest.raises(CommandError) as excinfo:
        run_import("--client", "nobody", certifi.where())

    assert str(excinfo.value) == (
        "No client has the slug 'nobody'. Check the slug in the admin console."
    )


def test_rotate_encryption_key(client_a, settings):
    old_key = settings.PRIVATE_KEY_ENCRYPTION_KEYS[0]
    csr = generate_csr(client_a, system="web shop", names=["shop.alpha.test"])
    plaintext = csr.private_key.get_pem()
    new_key = Fernet.generate_key().decode()

    with override_settings(PRIVATE_KEY_ENCRYPTION_KEYS=[new_key, old_key]):
        out = StringIO()
        call_command("rotate_encryption_key", stdout=out)
        again = StringIO()
        call_command("rotate_encryption_key", stdout=again)

    assert "certificates.PrivateKey: 1 of 1 rows re-encrypted." in out.getvalue()
    assert "certificates.PrivateKey: 0 of 1 rows re-encrypted." in again.getvalue()
    token = bytes(PrivateKey.objects.get().encrypted_pem)
    assert Fernet(new_key).decrypt(token) == plaintext
    with override_settings(PRIVATE_KEY_ENCRYPTION_KEYS=[new_key]):
        assert PrivateKey.objects.get().get_pem() == plaintext
    assert AuditEvent.objects.filter(action=AuditAction.KEY_ROTATED).count() == 1


def test_rotate_with_missing_key_fails(client_a, settings):
    generate_csr(client_a, system="web shop", names=["shop.alpha.test"])

    with override_settings(
        PRIVATE_KEY_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]
    ):
        with pytest.raises(CommandError) as excinfo:
            call_command("rotate_encryption_key", stdout=StringIO())

    assert str(excinfo.value) == (
        "certificates.PrivateKey: No key in PRIVATE_KEY_ENCRYPTION_KEYS decrypts "
        "this private key."
    )


def test_pkcs12_from_command_keeps_key_private(client_a, tmp_path):
    """The imported key is stored only encrypted."""
    _, key, data = pfx_chain(b"pw-123456")
    (tmp_path / "a.pfx").write_bytes(data)
    (tmp_path / "pw").write_text("pw-123456")

    run_import(
        "--client",
        "alpha",
        "--password-file",
        str(tmp_path / "pw"),
        str(tmp_path / "a.pfx"),
    )

    stored = bytes(PrivateKey.objects.get().encrypted_pem)
    raw = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert raw not in stored
