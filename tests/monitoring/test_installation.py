import io
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from certificates.choices import ServerType
from certificates.models import Endpoint
from monitoring.choices import InstallationStatus
from monitoring.installation import build_bundle, open_installation
from monitoring.models import InstallationTask
from servicedesk.choices import Category
from tests.certificates_factories import make_certificate
from tests.monitoring import pki


@pytest.fixture
def stored(client_a):
    return pki.store(client_a)


def _endpoint(client, server_type=ServerType.NGINX, certificate=None):
    return Endpoint.objects.create(
        client=client,
        hostname="shop.example.com",
        port=443,
        server_type=server_type,
        certificate=certificate,
    )


def _files(task) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(build_bundle(task).content))
    return {name: archive.read(name) for name in archive.namelist()}


def test_open_installation_raises_ticket(client_a, stored):
    certificate, _ = stored
    endpoint = _endpoint(client_a)
    task = open_installation(endpoint, certificate)
    again = open_installation(endpoint, certificate)
    assert again == task
    assert task.status == InstallationStatus.OPEN
    assert task.ticket.category == Category.INSTALLATION
    assert task.ticket.subject == "Install shop.example.com on shop.example.com:443"
    assert InstallationTask.objects.count() == 1


def test_certificate_without_key_rejected(client_a):
    certificate = make_certificate(client_a, "nokey.alpha.test")
    with pytest.raises(ValidationError) as caught:
        open_installation(_endpoint(client_a), certificate)
    assert caught.value.messages == [
        f"{certificate} has no private key in the portal, so no bundle can be "
        "built. Install it with the key kept on the server."
    ]
    assert InstallationTask.objects.count() == 0


def test_other_client_certificate_rejected(client_a, client_b):
    certificate, _ = pki.store(client_b, "vault.bravo.test")
    with pytest.raises(ValidationError) as caught:
        open_installation(_endpoint(client_a), certificate)
    assert caught.value.code == "wrong_client"


@pytest.mark.parametrize(
    ("server_type", "names"),
    [
        (ServerType.NGINX, ["INSTALL.txt", "fullchain.pem", "privkey.pem"]),
        (ServerType.APACHE, ["INSTALL.txt", "cert.pem", "chain.pem", "privkey.pem"]),
        (ServerType.HAPROXY, ["INSTALL.txt", "combined.pem"]),
        (ServerType.IIS, ["INSTALL.txt", "PASSWORD.txt", "certificate.pfx"]),
        (ServerType.JAVA, ["INSTALL.txt", "PASSWORD.txt", "keystore.p12"]),
    ],
)
def test_bundle_files(client_a, stored, server_type, names):
    certificate, _ = stored
    task = open_installation(_endpoint(client_a, server_type), certificate)
    files = _files(task)
    assert sorted(files) == names
    assert b"Afterwards, press" in files["INSTALL.txt"]


def test_nginx_fullchain_order(client_a, stored):
    certificate, key = stored
    files = _files(open_installation(_endpoint(client_a), certificate))
    chain = x509.load_pem_x509_certificates(files["fullchain.pem"])
    assert [item.subject for item in chain] == [
        pki.leaf_of(certificate).subject,
        pki.intermediate()[0].subject,
    ]
    assert files["privkey.pem"] == pki.key_pem(key)


def test_pkcs12_opens_with_password(client_a, stored):
    certificate, _ = stored
    files = _files(open_installation(_endpoint(client_a, ServerType.IIS), certificate))
    password = files["PASSWORD.txt"].strip()
    loaded = pkcs12.load_pkcs12(files["certificate.pfx"], password)
    assert loaded.cert.certificate == pki.leaf_of(certificate)
    assert [item.certificate for item in loaded.additional_certs] == [
        pki.intermediate()[0]
    ]


def test_haproxy_combined(client_a, stored):
    certificate, key = stored
    files = _files(
        open_installation(_endpoint(client_a, ServerType.HAPROXY), certificate)
    )
    assert files["combined.pem"].endswith(pki.key_pem(key))
    assert files["combined.pem"].startswith(pki.pem(pki.leaf_of(certificate)))


def test_bundle_download_audited(client, client_admin_a, stored):
    certificate, _ = stored
    task = open_installation(_endpoint(client_admin_a.client), certificate)
    client.force_login(client_admin_a)

    response = client.post(reverse("monitoring:installation_bundle", args=[task.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        'attachment; filename="shop.example.com-nginx.zip"'
    )
    event = AuditEvent.objects.get(action=AuditAction.KEY_DOWNLOADED)
    assert event.actor == client_admin_a
    assert event.detail["endpoint_id"] == task.endpoint_id


def test_client_user_cannot_download(client, client_user_a, stored):
    certificate, _ = stored
    task = open_installation(_endpoint(client_user_a.client), certificate)
    client.force_login(client_user_a)
    response = client.post(reverse("monitoring:installation_bundle", args=[task.pk]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.KEY_DOWNLOADED).exists()


def test_install_view_opens_task(client, client_admin_a, stored):
    certificate, _ = stored
    endpoint = _endpoint(client_admin_a.client)
    client.force_login(client_admin_a)
    response = client.post(
        reverse("monitoring:endpoint_install", args=[endpoint.pk]),
        {"certificate": certificate.pk},
    )
    task = InstallationTask.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("monitoring:installation_detail", args=[task.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Download bundle" in page.content.decode()


def test_install_view_bad_certificate(client, client_admin_a, stored):
    endpoint = _endpoint(client_admin_a.client)
    client.force_login(client_admin_a)
    response = client.post(
        reverse("monitoring:endpoint_install", args=[endpoint.pk]),
        {"certificate": "999999"},
        follow=True,
    )
    assert response.status_code == 200
    assert (
        "Certificate: Select a valid choice. That choice is not one of the "
        "available choices." in response.content.decode()
    )
    assert InstallationTask.objects.count() == 0
