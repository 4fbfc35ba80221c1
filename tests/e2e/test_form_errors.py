"""The main error path of each form shows its message on the page in Chromium."""

import importlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.apps import apps as django_apps

from catalogue.models import CatalogueItem
from certificates.models import Certificate, CertificateSigningRequest
from tests.catalogue.test_requests import subscribe
from tests.certificates_factories import issue_leaf, make_certificate
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.mark.django_db(transaction=True)
def test_csr_upload_not_a_csr(chromium, artifacts, live_server, client_user_a):
    page = sign_in(chromium, live_server.url, "ann.user", PASSWORD)
    page.goto("/certificates/csrs/upload/")
    page.get_by_label("System").fill("web shop")
    page.get_by_label("CSR file").set_input_files(
        files=[{"name": "shop.csr", "mimeType": "text/plain", "buffer": b"hello\n"}]
    )
    page.get_by_role("button", name="Upload").click()
    message = page.get_by_text(
        "The file is not a certificate signing request, or it is damaged. Upload "
        "the PEM or DER file that your server generated."
    ).first
    message.wait_for()
    page.screenshot(path=artifacts / "csr-upload-error.png", full_page=True)

    assert CertificateSigningRequest.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_import_wrong_pkcs12_password(chromium, artifacts, live_server, client_admin_a):
    leaf, key = issue_leaf("shop.test")
    data = pkcs12.serialize_key_and_certificates(
        b"shop", key, leaf, None, serialization.BestAvailableEncryption(b"right")
    )
    page = sign_in(chromium, live_server.url, "amy.admin", PASSWORD)
    page.goto("/certificates/import/")
    page.get_by_label("Certificate file").set_input_files(
        files=[{"name": "shop.pfx", "mimeType": "application/x-pkcs12", "buffer": data}]
    )
    page.locator("#id_password").fill("wrong")
    page.get_by_role("button", name="Import").click()
    message = page.get_by_text(
        "The password for shop.pfx is wrong. Enter the password the file was "
        "exported with."
    ).first
    message.wait_for()
    page.screenshot(path=artifacts / "pkcs12-password-error.png", full_page=True)

    assert Certificate.objects.count() == 0


@pytest.fixture
def catalogue_items(transactional_db):
    """Load the catalogue items again with their data migration's function.

    A transactional test's flush deletes rows that migrations loaded, so the
    items are gone when another such test ran first.
    """
    migration = importlib.import_module(
        "catalogue.migrations.0002_seed_catalogue_items"
    )
    migration.load_items(django_apps, None)


@pytest.mark.django_db(transaction=True)
def test_catalogue_over_allowance_warning(
    chromium, artifacts, live_server, catalogue_items, client_a, client_user_a
):
    subscribe(client_a)
    certificate = make_certificate(client_a, "shop.test")
    item = CatalogueItem.objects.get(code="ssl-certificate-status")
    page = sign_in(chromium, live_server.url, "ann.user", PASSWORD)
    page.goto(f"/catalogue/items/{item.code}/request/")
    page.locator(f"input[name=certificates][value='{certificate.pk}']").check()
    page.get_by_role("button", name="Submit request").click()
    page.wait_for_url("**/catalogue/requests/*/")

    page.goto(f"/catalogue/items/{item.code}/request/")
    warning = page.locator("#allowance")
    warning.wait_for()
    page.screenshot(path=artifacts / "catalogue-charged-warning.png", full_page=True)

    assert warning.inner_text().startswith(
        "Charged Your organisation has used all 1 included SSL Certificate Status "
        "requests this month. This request will be charged"
    )
