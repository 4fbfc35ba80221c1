"""The shared import path: every format, every bad input, warnings and bulk."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from django.core.exceptions import ValidationError
from django.test.utils import override_settings

from audit.models import AuditAction, AuditEvent
from certificates.choices import CertificateStatus, PurchasedThrough
from certificates.importing import import_upload
from certificates.models import Certificate, CertificateName, PrivateKey
from tests.certificates_factories import (
    intermediate_ca,
    issue_leaf,
    issue_with,
    key_pem,
    pem_of,
)
from tests.certificates_factories import test_ca as root_ca

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """A leaf for shop.example.com under the test intermediate and root."""
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = issue_with(
        "shop.example.com",
        key,
        issuer=intermediate_ca(),
        dns_names=["shop.example.com", "www.example.com"],
    )
    return leaf, key, intermediate_ca()[0], root_ca()[0]


def run(client, data, name="upload.pem", **options):
    return import_upload(client, name=name, data=data, **options)


def message_of(excinfo) -> str:
    return excinfo.value.messages[0]


def test_pem_chain_any_order(client_a, chain):
    leaf, _, intermediate, root = chain

    result = run(client_a, pem_of(root, leaf, intermediate))

    assert len(result.items) == 1
    certificate = result.items[0].certificate
    assert certificate.common_name == "shop.example.com"
    assert certificate.chain_pem.encode() == pem_of(intermediate, root)
    assert certificate.not_after == leaf.not_valid_after_utc
    assert result.items[0].warnings == []


def test_pem_with_bom_crlf_and_text(client_a, chain):
    leaf, _, intermediate, root = chain
    body = pem_of(leaf, intermediate, root).replace(b"\n", b"\r\n")
    data = b"\xef\xbb\xbfsubject=CN = shop.example.com\r\nBag Attributes\r\n" + body

    result = run(client_a, data + b"trailing notes\r\n")

    assert result.items[0].certificate.common_name == "shop.example.com"


def test_der_certificate(client_a, chain):
    leaf = chain[0]

    result = run(client_a, leaf.public_bytes(serialization.Encoding.DER), "a.cer")

    assert result.items[0].certificate.fingerprint_sha256 == (
        leaf.fingerprint(hashes.SHA256()).hex()
    )


@pytest.mark.parametrize("encoding", ["PEM", "DER"])
def test_pkcs7_bundle(client_a, chain, encoding):
    leaf, _, intermediate, root = chain
    data = pkcs7.serialize_certificates(
        [intermediate, leaf, root], getattr(serialization.Encoding, encoding)
    )

    result = run(client_a, data, "chain.p7b")

    assert result.items[0].certificate.common_name == "shop.example.com"
    assert result.items[0].certificate.chain_pem.encode() == pem_of(intermediate, root)


def test_pkcs12_with_password(client_a, chain):
    leaf, key, intermediate, root = chain
    data = pkcs12.serialize_key_and_certificates(
        b"shop",
        key,
        leaf,
        [root, intermediate],
        serialization.BestAvailableEncryption(b"s3cret-pass"),
    )

    result = run(client_a, data, "shop.pfx", password=b"s3cret-pass")

    certificate = result.items[0].certificate
    assert certificate.private_key is not None
    assert certificate.private_key.public_key_sha256 == certificate.public_key_sha256
    stored = serialization.load_pem_private_key(certificate.private_key.get_pem(), None)
    assert stored.private_numbers() == key.private_numbers()
    assert b"PRIVATE KEY" not in bytes(certificate.private_key.encrypted_pem)


def test_pkcs12_without_password(client_a, chain):
    leaf, key, intermediate, root = chain
    data = pkcs12.serialize_key_and_certificates(
        None, key, leaf, [intermediate, root], serialization.NoEncryption()
    )

    result = run(client_a, data, "open.p12")

    assert result.items[0].certificate.private_key is not None


def test_pkcs12_legacy_3des(client_a, chain):
    leaf, key, intermediate, root = chain
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())  # noqa: S303  (the legacy format under test)
        .build(b"windows")
    )
    data = pkcs12.serialize_key_and_certificates(
        b"iis", key, leaf, [intermediate, root], encryption
    )

    result = run(client_a, data, "iis.pfx", password=b"windows")

    assert result.items[0].certificate.private_key is not None


def test_pkcs12_legacy_rc2(client_a, chain, tmp_path, require_service):
    if shutil.which("openssl") is None:
        require_service("openssl", "the openssl command makes RC2 files")
    leaf, key, intermediate, root = chain
    (tmp_path / "leaf.pem").write_bytes(pem_of(leaf))
    (tmp_path / "chain.pem").write_bytes(pem_of(intermediate, root))
    (tmp_path / "key.pem").write_bytes(key_pem(key))
    subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-export",
            "-legacy",
            "-in",
            str(tmp_path / "leaf.pem"),
            "-inkey",
            str(tmp_path / "key.pem"),
            "-certfile",
            str(tmp_path / "chain.pem"),
            "-out",
            str(tmp_path / "rc2.pfx"),
            "-passout",
            "pass:old-windows",
        ],
        check=True,
        capture_output=True,
    )
    info = subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-info",
            "-noout",
            "-nomacver",
            "-in",
            str(tmp_path / "rc2.pfx"),
            "-passin",
            "pass:old-windows",
        ],
        capture_output=True,
        text=True,
    )
    assert "RC2" in info.stdout + info.stderr

    result = run(
        client_a,
        (tmp_path / "rc2.pfx").read_bytes(),
        "rc2.pfx",
        password=b"old-windows",
    )

    certificate = result.items[0].certificate
    assert certificate.common_name == "shop.example.com"
    assert certificate.private_key is not None
    assert certificate.chain_pem.encode() == pem_of(intermediate, root)


@pytest.mark.parametrize(
    "kind",
    ["pkcs1", "pkcs8", "encrypted-pkcs8", "ec-sec1", "ed25519", "der-pkcs8"],
)
def test_separate_key_formats(client_a, kind):
    if kind == "pkcs1":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        data = key_pem(key, pkcs1=True)
    elif kind == "ec-sec1":
        key = ec.generate_private_key(ec.SECP384R1())
        data = key_pem(key, pkcs1=True)
    elif kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
        data = key_pem(key)
    elif kind == "der-pkcs8":
        key = ec.generate_private_key(ec.SECP256R1())
        data = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        data = key_pem(key, b"key-pass" if kind == "encrypted-pkcs8" else None)
    leaf = issue_with("api.example.com", key)

    result = run(
        client_a,
        pem_of(leaf, root_ca()[0]),
        "api.pem",
        key_name="api.key",
        key_data=data,
        key_password=b"key-pass" if kind == "encrypted-pkcs8" else None,
    )

    certificate = result.items[0].certificate
    assert certificate.private_key.public_key_sha256 == certificate.public_key_sha256


def test_reimport_changes_nothing(client_a, chain):
    leaf, _, intermediate, root = chain
    first = run(client_a, pem_of(leaf, intermediate, root))
    events = AuditEvent.objects.count()

    second = run(client_a, pem_of(leaf, intermediate, root))

    assert first.items[0].created is True
    assert second.items[0].created is False
    assert second.items[0].certificate.pk == first.items[0].certificate.pk
    assert "already in the inventory, unchanged" in second.items[0].line()
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_import_stores_names_and_audit(client_a, client_user_a, chain):
    leaf, _, intermediate, root = chain

    result = run(
        client_a,
        pem_of(leaf, intermediate, root),
        actor=client_user_a,
        purchased_through=PurchasedThrough.CLIENT,
    )

    certificate = result.items[0].certificate
    assert certificate.purchased_through == PurchasedThrough.CLIENT
    assert sorted(CertificateName.objects.values_list("name", flat=True)) == [
        "shop.example.com",
        "www.example.com",
    ]
    event = AuditEvent.objects.get(object_id=str(certificate.pk))
    assert event.action == AuditAction.CERTIFICATE_IMPORTED
    assert event.actor_username == "ann.user"


# Errors: nothing is stored, and the message names the file and the fix.


def assert_nothing_stored():
    assert Certificate.objects.count() == 0
    assert PrivateKey.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_error_not_certificate(client_a):
    with pytest.raises(ValidationError) as excinfo:
        run(client_a, b"hello, this is a text file\n", "notes.txt")

    assert excinfo.value.error_list[0].code == "not_certificate"
    assert message_of(excinfo) == (
        "notes.txt contains no certificate or private key. Upload a PEM, DER, "
        "PKCS#7 (.p7b) or PKCS#12 (.pfx, .p12) file."
    )
    assert_nothing_stored()


def test_error_wrong_pkcs12_password(client_a, chain):
    leaf, key, *_ = chain
    data = pkcs12.serialize_key_and_certificates(
        b"x", key, leaf, None, serialization.BestAvailableEncryption(b"right")
    )

    with pytest.raises(ValidationError) as excinfo:
        run(client_a, data, "shop.pfx", password=b"wrong")

    assert message_of(excinfo) == (
        "The password for shop.pfx is wrong. Enter the password the file was "
        "exported with."
    )
    assert_nothing_stored()


def test_error_pkcs12_needs_password(client_a, chain):
    leaf, key, *_ = chain
    data = pkcs12.serialize_key_and_certificates(
        b"x", key, leaf, None, serialization.BestAvailableEncryption(b"right")
    )

    with pytest.raises(ValidationError) as excinfo:
        run(client_a, data, "shop.pfx")

    assert message_of(excinfo) == (
        "shop.pfx is protected by a password. Enter the password and upload it again."
    )


def test_error_wrong_key_password(client_a):
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = issue_with("api.example.com", key)

    with pytest.raises(ValidationError) as excinfo:
        run(
            client_a,
            pem_of(leaf),
            key_name="api.key",
            key_data=key_pem(key, b"right"),
            key_password=b"wrong",
        )

    assert message_of(excinfo) == (
        "The password for the private key in api.key is wrong. Enter the password "
        "the key was encrypted with."
    )
    assert_nothing_stored()


def test_error_key_mismatch(client_a, chain):
    leaf, _, intermediate, root = chain
    other_key = ec.generate_private_key(ec.SECP256R1())

    with pytest.raises(ValidationError) as excinfo:
        run(
            client_a,
            pem_of(leaf, intermediate, root),
            "shop.pem",
            key_name="other.key",
            key_data=key_pem(other_key),
        )

    assert excinfo.value.error_list[0].code == "key_mismatch"
    assert message_of(excinfo) == (
        "The private key in shop.pem does not match the certificate "
        "CN=shop.example.com. Upload the key that was generated with this "
        "certificate's CSR."
    )
    assert_nothing_stored()


@pytest.mark.parametrize("format_", ["pem-no-end", "pem-cut-body", "der"])
def test_error_truncated(client_a, chain, format_):
    leaf = chain[0]
    if format_ == "der":
        data = leaf.public_bytes(serialization.Encoding.DER)[:-40]
    elif format_ == "pem-no-end":
        data = pem_of(leaf)[:-40]
    else:
        text = pem_of(leaf).decode().splitlines()
        data = "\n".join([text[0], *text[1:3], text[-1]]).encode()

    with pytest.raises(ValidationError) as excinfo:
        run(client_a, data, "cut.pem")

    assert message_of(excinfo) == (
        "cut.pem is truncated or damaged: its data ends early or does not decode. "
        "Export the file again and upload all of it."
    )
    assert_nothing_stored()


@override_settings(CERTIFICATE_IMPORT_MAX_BYTES=1000)
def test_error_too_large(client_a, chain):
    data = pem_of(*chain[:1]) + b"\n" * 1000

    with pytest.raises(ValidationError) as excinfo:
        run(client_a, data, "big.pem")

    assert message_of(excinfo) == (
        f"big.pem is {len(data)} bytes, over the import limit of 1000 bytes. "
        "Split it into smaller files."
    )
    assert_nothing_stored()


def test_error_several_unrelated_leaves(client_a):
    first, _ = issue_leaf("one.example.com")
    second, _ = issue_leaf("two.example.com")

    with pytest.raises(ValidationError) as excinfo:
        run(client_a, pem_of(first, second, root_ca()[0]), "two.pem")

    assert message_of(excinfo) == (
        "two.pem contains 2 certificates that are not one chain: "
        "CN=one.example.com; CN=two.example.com. Upload one certificate with its "
        "chain, or import the file as a bundle of several certificates."
    )
    assert_nothing_stored()


def test_error_csr_instead_of_certificate(client_a):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
    )

    with pytest.raises(ValidationError) as excinfo:
        run(client_a, csr.public_bytes(serialization.Encoding.PEM), "req.pem")

    assert message_of(excinfo) == (
        "req.pem is a certificate signing request, not a certificate. Upload it on "
        "the CSR upload page instead."
    )


def test_error_key_without_certificate(client_a):
    key = ec.generate_private_key(ec.SECP256R1())

    with pytest.raises(ValidationError) as excinfo:
        run(client_a, key_pem(key), "lonely.key")

    assert message_of(excinfo) == (
        "lonely.key contains a private key but no certificate. Upload the "
        "certificate together with the key."
    )


# Warnings: stored anyway.


def test_warning_expired(client_a):
    start = datetime.now(UTC) - timedelta(days=100)
    leaf, _ = issue_leaf("old.example.com", days=30, not_before=start)

    result = run(client_a, pem_of(leaf, root_ca()[0]))

    item = result.items[0]
    assert item.certificate.status == CertificateStatus.EXPIRED
    assert item.warnings == [f"Expired on {leaf.not_valid_after_utc:%Y-%m-%d}."]


def test_warning_incomplete_chain(client_a, chain):
    leaf = chain[0]

    result = run(client_a, pem_of(leaf))

    assert result.items[0].warnings == [
        "Incomplete chain: the issuer CN=CertPortal Test Intermediate is not in "
        "the file."
    ]
    assert Certificate.objects.count() == 1


def sha1_signed_leaf(tmp_path, key) -> x509.Certificate:
    """A leaf signed with SHA-1 by the test root, made with the openssl command
    because cryptography no longer signs with SHA-1."""
    ca_certificate, ca_key = root_ca()
    (tmp_path / "ca.pem").write_bytes(pem_of(ca_certificate))
    (tmp_path / "ca.key").write_bytes(key_pem(ca_key))
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [x509.NameAttribute(x509.NameOID.COMMON_NAME, "weak.example.com")]
            )
        )
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "leaf.csr").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    subprocess.run(
        [
            "openssl",
            "x509",
            "-req",
            "-sha1",
            "-days",
            "30",
            "-in",
            str(tmp_path / "leaf.csr"),
            "-CA",
            str(tmp_path / "ca.pem"),
            "-CAkey",
            str(tmp_path / "ca.key"),
            "-out",
            str(tmp_path / "leaf.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return x509.load_pem_x509_certificate((tmp_path / "leaf.pem").read_bytes())


def test_warning_weak_key_and_sha1(client_a, tmp_path, require_service):
    if shutil.which("openssl") is None:
        require_service("openssl", "the openssl command signs with SHA-1")
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505  (the weak key under test)
    leaf = sha1_signed_leaf(tmp_path, key)

    result = run(client_a, pem_of(leaf, root_ca()[0]))

    assert result.items[0].warnings == [
        "Weak key: RSA 1024 bits.",
        "SHA-1 signature on CN=weak.example.com: browsers reject it.",
    ]
    assert result.items[0].certificate.key_size == 1024


# Bundles.


def test_certifi_bundle_imports_every_certificate(client_a):
    data = open(certifi.where(), "rb").read()
    expected = {
        c.fingerprint(hashes.SHA256()).hex()
        for c in x509.load_pem_x509_certificates(data)
    }

    result = run(client_a, data, "cacert.pem", bundle=True)

    stored = set(
        Certificate.objects.filter(client=client_a).values_list(
            "fingerprint_sha256", flat=True
        )
    )
    assert stored == expected
    assert len(result.created) == len(expected)


def test_bulk_bundle_uses_few_queries(client_a, django_assert_max_num_queries):
    """10,000 certificates go in with bulk inserts. SQLite allows 999 parameters
    a statement, so a batch contains about 40 certificates there and 1,000 on
    PostgreSQL; one INSERT per row would be over 30,000 queries."""
    ca_certificate, ca_key = root_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(UTC) - timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=90))
    )
    leaves = [
        builder.subject_name(
            x509.Name(
                [x509.NameAttribute(x509.NameOID.COMMON_NAME, f"h{i}.example.com")]
            )
        )
        .serial_number(i + 1)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(f"h{i}.example.com")]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
        for i in range(10_000)
    ]
    data = pem_of(*leaves, ca_certificate)

    with django_assert_max_num_queries(1000):
        result = run(client_a, data, "fleet.pem", bundle=True)

    assert len(result.created) == 10_000
    assert Certificate.objects.filter(client=client_a).count() == 10_000
    assert CertificateName.objects.filter(client=client_a).count() == 10_000
    assert AuditEvent.objects.filter(client=client_a).count() == 10_000


def test_bundle_with_key_attaches_to_its_leaf(client_a):
    first, first_key = issue_leaf("one.example.com")
    second, _ = issue_leaf("two.example.com")

    result = run(
        client_a, pem_of(first, second, root_ca()[0]) + key_pem(first_key), bundle=True
    )

    by_name = {item.certificate.common_name: item.certificate for item in result.items}
    assert by_name["one.example.com"].private_key is not None
    assert by_name["two.example.com"].private_key is None


def test_same_certificate_for_two_clients(client_a, client_b, chain):
    data = pem_of(*chain[:1])

    run(client_a, data)
    result = run(client_b, data)

    assert result.items[0].created is True
    assert Certificate.objects.count() == 2
