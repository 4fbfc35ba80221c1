"""Admin console pages for certificates, CSRs, endpoints and the audit trail."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from certificates.models import Certificate, PrivateKey
from tests.certificates.test_portal import pfx_chain
from tests.certificates_factories import make_certificate

pytestmark = pytest.mark.django_db


def test_no_private_key_admin():
    assert PrivateKey not in admin.site._registry


def test_changelist_filters(client, analyst, client_a, client_b):
    make_certificate(client_a, "soon.alpha.test", days=5)
    make_certificate(client_b, "later.bravo.test", days=300)
    client.force_login(analyst)
    url = reverse("admin:certificates_certificate_changelist")

    soon = client.get(url, {"expiring_within": "7"})
    by_client = client.get(url, {"client": str(client_b.pk)})
    by_name = client.get(url, {"q": "later.bravo"})

    assert [c.common_name for c in soon.context["cl"].result_list] == [
        "soon.alpha.test"
    ]
    assert [c.common_name for c in by_client.context["cl"].result_list] == [
        "later.bravo.test"
    ]
    assert [c.common_name for c in by_name.context["cl"].result_list] == [
        "later.bravo.test"
    ]


def test_sdm_client_filter_lists_assigned_only(client, sdm_a, client_b):
    make_certificate(client_b, "later.bravo.test")
    client.force_login(sdm_a)

    response = client.get(reverse("admin:certificates_certificate_changelist"))

    assert response.status_code == 200
    assert b"Bravo Secret Holdings" not in response.content
    assert b"later.bravo.test" not in response.content


def test_change_page_never_shows_key(client, analyst, client_a):
    from certificates.importing import import_upload

    _, _, data = pfx_chain()
    certificate = (
        import_upload(client_a, name="a.pfx", data=data, password=b"pfx-pass")
        .items[0]
        .certificate
    )
    client.force_login(analyst)

    response = client.get(
        reverse("admin:certificates_certificate_change", args=[certificate.pk])
    )

    assert response.status_code == 200
    assert b"PRIVATE KEY" not in response.content
    assert b"encrypted_pem" not in response.content
    token = bytes(certificate.private_key.encrypted_pem)
    assert token not in response.content


def test_admin_import(client, analyst, client_a):
    _, _, data = pfx_chain()
    client.force_login(analyst)

    response = client.post(
        reverse("admin:certificates_certificate_import"),
        {
            "client": client_a.pk,
            "file": SimpleUploadedFile("a.pfx", data),
            "password": "pfx-pass",
        },
    )

    assert response.status_code == 200
    assert b"1 imported, 0 already in the inventory." in response.content
    assert Certificate.objects.get().client == client_a


def test_admin_import_error(client, analyst, client_a):
    client.force_login(analyst)

    response = client.post(
        reverse("admin:certificates_certificate_import"),
        {"client": client_a.pk, "file": SimpleUploadedFile("x.txt", b"text")},
    )

    assert b"x.txt contains no certificate or private key." in response.content
    assert Certificate.objects.count() == 0


def test_audit_admin_read_only(client, analyst, client_a):
    make_certificate(client_a)
    event = AuditEvent.objects.get()
    client.force_login(analyst)

    response = client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]),
        {"action": "other"},
    )

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "certificate_imported"


def test_admin_delete_audited(client, administrator, client_a):
    certificate = make_certificate(client_a)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:certificates_certificate_delete", args=[certificate.pk]),
        {"post": "yes"},
    )

    assert response.status_code == 302
    assert Certificate.objects.count() == 0
    event = AuditEvent.objects.get(action="certificate_deleted")
    assert event.object_repr == str(certificate)
    assert event.client_name == "Alpha Retail Ltd"
