"""The certificate, CSR and endpoint API."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditAction, AuditEvent
from certificates.importing import import_upload
from certificates.models import Certificate, CertificateSigningRequest, Endpoint
from tests.certificates.test_portal import bulk_certificates, pfx_chain
from tests.certificates_factories import issue_leaf, make_certificate, pem_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client_user_a) -> APIClient:
    http = APIClient()
    http.force_authenticate(client_user_a)
    return http


def test_list_and_detail(api, client_user_a, client_b):
    mine = make_certificate(client_user_a.client, "shop.alpha.test")
    make_certificate(client_b, "shop.bravo.test")

    listing = api.get(reverse("api:certificate-list")).json()
    detail = api.get(reverse("api:certificate-detail", args=[mine.pk])).json()

    assert [row["common_name"] for row in listing["results"]] == ["shop.alpha.test"]
    assert "pem" not in listing["results"][0]
    assert detail["pem"] == mine.pem
    assert detail["has_private_key"] is False
    assert detail["dns_names_unicode"] == ["shop.alpha.test"]


def test_list_filters(api, client_user_a):
    make_certificate(client_user_a.client, "soon.alpha.test", days=5)
    make_certificate(client_user_a.client, "later.alpha.test", days=300)

    response = api.get(reverse("api:certificate-list"), {"expiring_within": 30})

    assert [row["common_name"] for row in response.json()["results"]] == [
        "soon.alpha.test"
    ]
    by_name = api.get(reverse("api:certificate-list"), {"q": "later"}).json()
    assert [row["common_name"] for row in by_name["results"]] == ["later.alpha.test"]


def test_list_query_count_constant(api, client_user_a):
    url = reverse("api:certificate-list")
    bulk_certificates(client_user_a.client, 10)
    with CaptureQueriesContext(connection) as small:
        api.get(url, {"page_size": 500})

    bulk_certificates(client_user_a.client, 990)

    with CaptureQueriesContext(connection) as large:
        response = api.get(url, {"page_size": 500})
    assert response.json()["count"] == 1000
    assert len(large.captured_queries) == len(small.captured_queries)


def test_import(api):
    _, _, data = pfx_chain()

    response = api.post(
        reverse("api:certificate-import"),
        {"file": SimpleUploadedFile("shop.pfx", data), "password": "pfx-pass"},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    item = response.json()["items"][0]
    assert item["created"] is True
    assert item["common_name"] == "shop.alpha.test"
    assert Certificate.objects.get().private_key is not None


def test_import_error(api):
    _, _, data = pfx_chain()

    response = api.post(
        reverse("api:certificate-import"),
        {"file": SimpleUploadedFile("shop.pfx", data), "password": "wrong"},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] == [
        "The password for shop.pfx is wrong. Enter the password the file was "
        "exported with."
    ]
    assert Certificate.objects.count() == 0


def test_generate_csr(api, client_user_a):
    response = api.post(
        reverse("api:csr-list"),
        {
            "system": "web shop",
            "common_name": "shop.alpha.test",
            "names": ["www.alpha.test", "api.alpha.test"],
            "key_type": "ec-p384",
            "country": "GB",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["dns_names"] == ["shop.alpha.test", "www.alpha.test", "api.alpha.test"]
    assert body["key_size"] == 384
    assert body["portal_holds_key"] is True
    assert "private_key" not in body
    assert "PRIVATE KEY" not in response.content.decode()


def test_generate_csr_errors(api):
    response = api.post(
        reverse("api:csr-list"),
        {
            "system": "web shop",
            "common_name": "shop.alpha.test",
            "names": ["www..alpha.test"],
            "key_type": "rsa-1024",
        },
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["key_type"] == [
        "Key type 'rsa-1024' is too weak: RSA keys must have at least 2048 bits. "
        "Choose rsa-2048, rsa-3072 or rsa-4096, or ec-p256."
    ]
    assert fields["names"] == [
        "'www..alpha.test' has an empty label. Remove the doubled or leading dot."
    ]
    assert CertificateSigningRequest.objects.count() == 0


def test_upload_csr(api):
    from tests.certificates.test_csr import make_csr_pem

    response = api.post(
        reverse("api:csr-upload"),
        {"system": "web shop", "csr_text": make_csr_pem().decode()},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["source"] == "uploaded"
    assert response.json()["warnings"] == []


def test_exports(api, client_user_a):
    leaf, key, data = pfx_chain()
    certificate = (
        import_upload(
            client_user_a.client, name="a.pfx", data=data, password=b"pfx-pass"
        )
        .items[0]
        .certificate
    )

    pem = api.get(reverse("api:certificate-pem", args=[certificate.pk]))
    chain = api.get(reverse("api:certificate-chain", args=[certificate.pk]))
    p12 = api.post(
        reverse("api:certificate-pkcs12", args=[certificate.pk]),
        {"password": "export-pass", "password_again": "export-pass"},
        format="json",
    )
    wrong = api.post(
        reverse("api:certificate-private-key", args=[certificate.pk]),
        {"password": "nope"},
        format="json",
    )
    right = api.post(
        reverse("api:certificate-private-key", args=[certificate.pk]),
        {"password": PASSWORD},
        format="json",
    )

    assert x509.load_pem_x509_certificate(pem.content) == leaf
    assert len(x509.load_pem_x509_certificates(chain.content)) == 3
    assert pkcs12.load_pkcs12(p12.content, b"export-pass").cert.certificate == leaf
    assert wrong.status_code == 400
    assert wrong.json()["error"]["fields"]["password"] == [
        "The password is not your account password. Enter the password you sign "
        "in with."
    ]
    assert right.status_code == 200
    assert right["Cache-Control"] == "no-store"
    loaded = serialization.load_pem_private_key(right.content, None)
    assert loaded.private_numbers() == key.private_numbers()
    assert AuditEvent.objects.filter(action=AuditAction.KEY_DOWNLOADED).count() == 1


def test_endpoint_api(api, client_user_a):
    certificate = make_certificate(client_user_a.client)
    url = reverse("api:endpoint-list")

    bad = api.post(url, {"hostname": "a..b", "port": 0}, format="json")
    good = api.post(
        url,
        {"hostname": "shop.alpha.test", "port": 443, "certificate": certificate.pk},
        format="json",
    )

    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["port"] == [
        "Port 0 is out of range. Use a TCP port from 1 to 65535, such as 443."
    ]
    assert good.status_code == 201, good.json()
    assert Endpoint.objects.get().client == client_user_a.client


def test_endpoint_api_rejects_other_client_certificate(api, client_b):
    foreign = make_certificate(client_b, "shop.bravo.test")

    response = api.post(
        reverse("api:endpoint-list"),
        {"hostname": "shop.alpha.test", "certificate": foreign.pk},
        format="json",
    )

    assert response.status_code == 400
    assert Endpoint.objects.count() == 0


def test_schema_lists_certificate_paths(api):
    response = api.get(reverse("api-schema"), {"format": "json"})

    paths = response.json()["paths"]
    assert "/api/v1/certificates/import/" in paths
    assert "/api/v1/certificates/{id}/private-key/" in paths
    assert "/api/v1/csrs/upload/" in paths


def test_sdm_cannot_generate(client, sdm_a, client_a):
    http = APIClient()
    http.force_authenticate(sdm_a)
    leaf, _ = issue_leaf("x.alpha.test")

    response = http.post(
        reverse("api:certificate-import"),
        {"client": client_a.pk, "file": SimpleUploadedFile("a.pem", pem_of(leaf))},
        format="multipart",
    )

    assert response.status_code == 403


def test_endpoint_api_duplicate(api, client_user_a):
    url = reverse("api:endpoint-list")
    api.post(url, {"hostname": "shop.alpha.test", "port": 443}, format="json")

    response = api.post(
        url, {"hostname": "SHOP.alpha.test", "port": 443}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["__all__"] == [
        "The endpoint shop.alpha.test:443 is already recorded for this client. "
        "Edit the existing endpoint instead."
    ]
    assert Endpoint.objects.count() == 1
