"""Portal pages: list, detail, import, CSR pages, downloads and endpoints."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from certificates.choices import CertificateStatus
from certificates.importing import import_upload
from certificates.models import Certificate, Endpoint
from tests.certificates_factories import (
    intermediate_ca,
    issue_leaf,
    issue_with,
    make_certificate,
    pem_of,
)
from tests.certificates_factories import test_ca as root_ca
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def pfx_chain(password: bytes = b"pfx-pass"):
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(UTC) - timedelta(days=10)
    leaf = issue_with(
        "shop.alpha.test",
        key,
        issuer=intermediate_ca(),
        dns_names=["shop.alpha.test", "www.alpha.test"],
        days=200,
        not_before=start,
    )
    data = pkcs12.serialize_key_and_certificates(
        b"shop",
        key,
        leaf,
        [intermediate_ca()[0], root_ca()[0]],
        serialization.BestAvailableEncryption(password),
    )
    return leaf, key, data


def test_done_when_flow(client, client_user_a, client_user_b):
    """Import a .pfx, find it listed with its expiry, generate a CSR for three
    names and download the key once, all hidden from client B's user."""
    leaf, key, data = pfx_chain()
    client.force_login(client_user_a)

    response = client.post(
        reverse("certificates:certificate_import"),
        {"file": SimpleUploadedFile("shop.pfx", data), "password": "pfx-pass"},
    )
    assert response.status_code == 200
    assert b"1 imported, 0 already in the inventory." in response.content
    certificate = Certificate.objects.get()

    listing = client.get(reverse("certificates:certificate_list"))
    assert b"shop.alpha.test" in listing.content
    assert leaf.not_valid_after_utc.strftime("%Y-%m-%d").encode() in listing.content

    response = client.post(
        reverse("certificates:csr_generate"),
        {
            "system": "web shop",
            "common_name": "shop.alpha.test",
            "names": "www.alpha.test\napi.alpha.test",
            "key_type": "ec-p256",
        },
    )
    assert response.status_code == 302
    csr = certificate.client.csrs.get()
    assert csr.dns_names == ["shop.alpha.test", "www.alpha.test", "api.alpha.test"]

    response = client.post(
        reverse("certificates:certificate_download_key", args=[certificate.pk]),
        {"password": PASSWORD},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    downloaded = serialization.load_pem_private_key(response.content, None)
    assert downloaded.private_numbers() == key.private_numbers()
    downloads = AuditEvent.objects.filter(action=AuditAction.KEY_DOWNLOADED)
    assert downloads.count() == 1
    assert downloads.get().actor_username == "ann.user"

    client.force_login(client_user_b)
    assert (
        b"shop.alpha.test"
        not in client.get(reverse("certificates:certificate_list")).content
    )
    for name in (
        "certificates:certificate_detail",
        "certificates:certificate_download_pem",
        "certificates:certificate_download_key",
    ):
        url = reverse(name, args=[certificate.pk])
        assert client.get(url).status_code == 404
    assert client.get(
        reverse("certificates:csr_detail", args=[csr.pk])
    ).status_code == (404)
    assert (
        b"shop.alpha.test" not in client.get(reverse("certificates:csr_list")).content
    )


def test_key_download_wrong_password(client, client_user_a):
    _, _, data = pfx_chain()
    certificate = (
        import_upload(
            client_user_a.client, name="a.pfx", data=data, password=b"pfx-pass"
        )
        .items[0]
        .certificate
    )
    client.force_login(client_user_a)

    response = client.post(
        reverse("certificates:certificate_download_key", args=[certificate.pk]),
        {"password": "not-my-password"},
    )

    assert response.status_code == 400
    assert (
        b"The password is not your account password. Enter the password you sign "
        b"in with." in response.content
    )
    assert not AuditEvent.objects.filter(action=AuditAction.KEY_DOWNLOADED).exists()


def test_key_download_forbidden_for_sdm(client, sdm_a, client_a):
    _, _, data = pfx_chain()
    certificate = (
        import_upload(client_a, name="a.pfx", data=data, password=b"pfx-pass")
        .items[0]
        .certificate
    )
    client.force_login(sdm_a)

    response = client.post(
        reverse("certificates:certificate_download_key", args=[certificate.pk]),
        {"password": PASSWORD},
    )

    assert response.status_code == 403


@pytest.mark.parametrize("encryption", ["aes256", "legacy"])
def test_pkcs12_download(client, client_user_a, encryption):
    leaf, _, data = pfx_chain()
    certificate = (
        import_upload(
            client_user_a.client, name="a.pfx", data=data, password=b"pfx-pass"
        )
        .items[0]
        .certificate
    )
    client.force_login(client_user_a)

    response = client.post(
        reverse("certificates:certificate_download_pkcs12", args=[certificate.pk]),
        {
            "password": "export-pass",
            "password_again": "export-pass",
            "encryption": encryption,
        },
    )

    assert response.status_code == 200
    bundle = pkcs12.load_pkcs12(response.content, b"export-pass")
    assert bundle.cert.certificate == leaf
    assert [c.certificate for c in bundle.additional_certs] == [
        intermediate_ca()[0],
        root_ca()[0],
    ]
    event = AuditEvent.objects.get(action=AuditAction.CERTIFICATE_EXPORTED)
    assert event.detail == {"format": "pkcs12", "encryption": encryption}


def test_pkcs12_short_password(client, client_user_a):
    _, _, data = pfx_chain()
    certificate = (
        import_upload(
            client_user_a.client, name="a.pfx", data=data, password=b"pfx-pass"
        )
        .items[0]
        .certificate
    )
    client.force_login(client_user_a)

    response = client.post(
        reverse("certificates:certificate_download_pkcs12", args=[certificate.pk]),
        {"password": "short", "password_again": "short", "encryption": "aes256"},
    )

    assert response.status_code == 400
    assert (
        b"The file password has 5 characters; use at least 8 so the key inside is "
        b"hard to guess." in response.content
    )


def test_pkcs12_without_key(client, client_user_a):
    certificate = make_certificate(client_user_a.client)
    client.force_login(client_user_a)

    response = client.post(
        reverse("certificates:certificate_download_pkcs12", args=[certificate.pk]),
        {
            "password": "export-pass",
            "password_again": "export-pass",
            "encryption": "aes256",
        },
    )

    assert response.status_code == 400
    assert b"The portal has no private key for www.example.com" in response.content


def test_pem_and_chain_downloads(client, client_user_a):
    certificate = make_certificate(client_user_a.client)
    client.force_login(client_user_a)

    leaf = client.get(
        reverse("certificates:certificate_download_pem", args=[certificate.pk])
    )
    full = client.get(
        reverse("certificates:certificate_download_chain", args=[certificate.pk])
    )

    assert leaf.content.decode() == certificate.pem
    assert full.content.decode() == certificate.pem + certificate.chain_pem
    assert full.content.decode().endswith(pem_of(root_ca()[0]).decode())
    assert (
        AuditEvent.objects.filter(action=AuditAction.CERTIFICATE_EXPORTED).count() == 2
    )


def test_import_page_shows_error(client, client_user_a):
    client.force_login(client_user_a)

    response = client.post(
        reverse("certificates:certificate_import"),
        {"file": SimpleUploadedFile("notes.txt", b"just text")},
    )

    assert response.status_code == 200
    assert (
        b"notes.txt contains no certificate or private key. Upload a PEM, DER, "
        b"PKCS#7 (.p7b) or PKCS#12 (.pfx, .p12) file." in response.content
    )
    assert Certificate.objects.count() == 0


def test_import_page_reports_duplicate(client, client_user_a):
    leaf, _ = issue_leaf("dup.alpha.test")
    data = pem_of(leaf, root_ca()[0])
    client.force_login(client_user_a)
    url = reverse("certificates:certificate_import")
    client.post(url, {"file": SimpleUploadedFile("a.pem", data)})

    response = client.post(url, {"file": SimpleUploadedFile("a.pem", data)})

    assert b"0 imported, 1 already in the inventory." in response.content
    assert b"already in the inventory, unchanged" in response.content


def test_provider_import_needs_client(client, analyst, client_a):
    leaf, _ = issue_leaf("ops.alpha.test")
    client.force_login(analyst)

    response = client.post(
        reverse("certificates:certificate_import"),
        {
            "client": client_a.pk,
            "file": SimpleUploadedFile("a.pem", pem_of(leaf)),
            "client_owned": "on",
        },
    )

    assert response.status_code == 200
    certificate = Certificate.objects.get()
    assert certificate.client == client_a
    assert certificate.purchased_through == "client"


def test_sdm_cannot_import(client, sdm_a):
    client.force_login(sdm_a)

    assert client.get(reverse("certificates:certificate_import")).status_code == 403


def test_list_filters(client, client_user_a):
    owner = client_user_a.client
    soon = make_certificate(owner, "soon.alpha.test", days=10)
    make_certificate(owner, "later.alpha.test", days=200)
    revoked = make_certificate(owner, "gone.alpha.test", days=200)
    revoked.status = CertificateStatus.REVOKED
    revoked.save()
    unicode_leaf, _ = issue_leaf(
        "shop.alpha.test", dns_names=["xn--bcher-kva.alpha.test"]
    )
    import_upload(owner, name="u.pem", data=pem_of(unicode_leaf, root_ca()[0]))
    client.force_login(client_user_a)
    url = reverse("certificates:certificate_list")

    def names(**params) -> set[str]:
        response = client.get(url, params)
        return {row["common_name"] for row in response.context["page"].object_list}

    assert names(expiring_within=30) == {"soon.alpha.test"}
    assert names(status="revoked") == {"gone.alpha.test"}
    assert names(q="bücher") == {"shop.alpha.test"}
    assert names(q="LATER") == {"later.alpha.test"}
    assert names(issuer="Test Root") == {
        "soon.alpha.test",
        "later.alpha.test",
        "gone.alpha.test",
        "shop.alpha.test",
    }
    ordered = client.get(url, {"sort": "-not_after"}).context["page"].object_list
    assert ordered[len(ordered) - 1]["common_name"] == soon.common_name


def test_list_bad_filter_shows_error(client, client_user_a):
    client.force_login(client_user_a)

    response = client.get(
        reverse("certificates:certificate_list"), {"expiring_within": "-3"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["expiring_within"] == [
        "Ensure this value is greater than or equal to 0."
    ]


def bulk_certificates(owner, count: int) -> None:
    leaves = [issue_leaf(f"h{i}.{owner.slug}.test")[0] for i in range(count)]
    import_upload(owner, name="b.pem", data=pem_of(*leaves), bundle=True)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_list_query_count_constant(client, client_user_a, analyst, client_b):
    owner = client_user_a.client
    url = reverse("certificates:certificate_list")
    bulk_certificates(owner, 10)
    bulk_certificates(client_b, 10)
    client.force_login(client_user_a)
    small = count_queries(client, url)
    client.force_login(analyst)
    small_analyst = count_queries(client, url)

    bulk_certificates(owner, 990)

    client.force_login(client_user_a)
    assert count_queries(client, url) == small
    client.force_login(analyst)
    assert count_queries(client, url) == small_analyst


def test_detail_page(client, client_user_a):
    _, _, data = pfx_chain()
    certificate = (
        import_upload(
            client_user_a.client, name="a.pfx", data=data, password=b"pfx-pass"
        )
        .items[0]
        .certificate
    )
    client.force_login(client_user_a)

    response = client.get(
        reverse("certificates:certificate_detail", args=[certificate.pk])
    )

    content = response.content.decode()
    assert certificate.fingerprint_sha256 in content
    assert "CN=CertPortal Test Intermediate" in content
    assert "Certificate imported" in content
    assert response.context["days_left"] == 189
    assert "BEGIN PRIVATE KEY" not in content


def test_endpoint_create_and_validation(client, client_user_a):
    certificate = make_certificate(client_user_a.client)
    client.force_login(client_user_a)
    url = reverse("certificates:endpoint_create")

    bad = client.post(
        url,
        {
            "hostname": "bad_host..example",
            "port": "70000",
            "sni_name": "*.example.com",
            "server_type": "nginx",
        },
    )
    good = client.post(
        url,
        {
            "hostname": "WWW.Example.com.",
            "port": "8443",
            "sni_name": "",
            "server_type": "iis",
            "certificate": certificate.pk,
        },
    )

    errors = bad.context["form"].errors
    assert errors["port"] == [
        "Port 70000 is out of range. Use a TCP port from 1 to 65535, such as 443."
    ]
    assert errors["hostname"] == [
        "Host name 'bad_host..example' is neither a DNS name nor an IP address: "
        "'bad_host..example' has an empty label. Remove the doubled or leading dot."
    ]
    assert errors["sni_name"] == [
        "SNI name '*.example.com' is not a DNS name: a wildcard names many hosts; "
        "enter one host name."
    ]
    assert good.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.hostname == "www.example.com"
    assert endpoint.client == client_user_a.client


def test_endpoint_other_client_certificate(client, client_user_a, client_b):
    foreign = make_certificate(client_b, "shop.bravo.test")
    client.force_login(client_user_a)

    response = client.post(
        reverse("certificates:endpoint_create"),
        {
            "hostname": "192.0.2.10",
            "port": "443",
            "server_type": "nginx",
            "certificate": foreign.pk,
        },
    )

    assert response.context["form"].errors["certificate"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert Endpoint.objects.count() == 0


def test_dashboard_panel_counts(client, client_user_a):
    owner = client_user_a.client
    make_certificate(owner, "soon.alpha.test", days=6)
    make_certificate(owner, "month.alpha.test", days=25)
    make_certificate(
        owner,
        "old.alpha.test",
        days=10,
        not_before=datetime.now(UTC) - timedelta(days=40),
    )
    client.force_login(client_user_a)

    response = client.get(reverse("dashboard"))

    panel = next(
        p
        for p in response.context["panels"]
        if p["title"] == "Certificates expiring soon"
    )
    assert (panel["within_7"], panel["within_30"], panel["expired"]) == (1, 2, 1)


def test_endpoint_duplicate(client, client_user_a):
    client.force_login(client_user_a)
    url = reverse("certificates:endpoint_create")
    data = {"hostname": "shop.alpha.test", "port": "443", "server_type": "nginx"}
    client.post(url, data)

    response = client.post(url, {**data, "hostname": "SHOP.alpha.test"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The endpoint shop.alpha.test:443 is already recorded for this client. "
        "Edit the existing endpoint instead."
    ]
    assert Endpoint.objects.count() == 1


def test_csr_detail_shows_audit(client, client_user_a):
    client.force_login(client_user_a)
    response = client.post(
        reverse("certificates:csr_generate"),
        {"system": "web shop", "common_name": "shop.alpha.test", "key_type": "ec-p256"},
    )

    page = client.get(response.url)

    assert b"Private key generated" in page.content
    assert b"CSR generated" in page.content
    assert b"PRIVATE KEY" not in page.content
