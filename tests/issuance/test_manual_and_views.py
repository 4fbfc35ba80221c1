"""Manual CAs, the challenge responder, portal pages, the API and the admin."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.urls import reverse

from certificates.choices import CsrState
from certificates.models import Certificate
from issuance import services
from issuance.choices import (
    ChallengeResponder,
    ChallengeType,
    Coverage,
    OrderStatus,
    ProviderKind,
    QuoteStatus,
    ValidationLevel,
)
from issuance.models import Authorization, Challenge, Order, Product, Provider
from issuance.quotes import create_quote
from tests import certificates_factories
from tests.issuance.conftest import make_csr

PEM_START = "-----BEGIN CERTIFICATE-----"


def _sign(public_key, names) -> str:
    """Return a PEM leaf for `public_key` and `names`, then the CA, as a CA would."""
    ca_certificate, ca_key = certificates_factories.test_ca()
    now = datetime.now(UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=90))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in names]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return "".join(
        c.public_bytes(serialization.Encoding.PEM).decode()
        for c in (leaf, ca_certificate)
    )


def _csr_public_key(csr):
    return x509.load_pem_x509_csr(csr.pem.encode()).public_key()


@pytest.fixture
def manual_order(manual_provider, client_a):
    csr = make_csr(client_a, ["shop.alpha.test", "www.alpha.test"])
    return services.start_order(csr, manual_provider)


def test_manual_order_waits_for_upload(manual_order):
    assert manual_order.status == OrderStatus.AWAITING_UPLOAD
    manual_order.csr.refresh_from_db()
    assert manual_order.csr.state == CsrState.ORDERED


def test_manual_upload_matching(manual_order, analyst):
    pem = _sign(
        _csr_public_key(manual_order.csr), ["shop.alpha.test", "www.alpha.test"]
    )

    certificate = services.upload_manual_certificate(manual_order, pem, actor=analyst)

    manual_order.refresh_from_db()
    assert manual_order.status == OrderStatus.ISSUED
    assert manual_order.certificate == certificate
    assert certificate.csr == manual_order.csr
    assert certificate.chain_pem.startswith(PEM_START)


def test_manual_upload_other_key(manual_order):
    other_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = _sign(other_key, ["shop.alpha.test", "www.alpha.test"])

    with pytest.raises(ValidationError) as raised:
        services.upload_manual_certificate(manual_order, pem)

    error = raised.value.error_dict["certificate"][0]
    assert error.code == "key_mismatch"
    assert error.messages == [
        "The certificate's public key is not the key of CSR shop.alpha.test. "
        "Upload the certificate the CA issued for this CSR."
    ]
    assert Certificate.objects.count() == 0
    manual_order.refresh_from_db()
    assert manual_order.status == OrderStatus.AWAITING_UPLOAD


def test_manual_upload_missing_name(manual_order):
    pem = _sign(_csr_public_key(manual_order.csr), ["shop.alpha.test"])

    with pytest.raises(ValidationError) as raised:
        services.upload_manual_certificate(manual_order, pem)

    assert raised.value.message_dict["certificate"] == [
        "The certificate does not cover www.alpha.test from CSR shop.alpha.test. "
        "Upload the certificate the CA issued for this CSR."
    ]
    assert Certificate.objects.count() == 0


def test_manual_upload_not_pem(manual_order):
    with pytest.raises(ValidationError) as raised:
        services.upload_manual_certificate(manual_order, "hello")

    assert raised.value.message_dict["certificate"] == [
        "The upload is not a PEM certificate. Paste the certificate the CA "
        "returned, starting with -----BEGIN CERTIFICATE-----."
    ]


def test_manual_upload_page_errors(manual_order, analyst, client):
    client.force_login(analyst)
    url = reverse("issuance:order_upload", kwargs={"pk": manual_order.pk})

    response = client.post(url, {"certificate": "hello"})

    assert response.status_code == 400
    assert "The upload is not a PEM certificate." in response.content.decode()


def test_manual_upload_page_stores(manual_order, analyst, client):
    client.force_login(analyst)
    pem = _sign(
        _csr_public_key(manual_order.csr), ["shop.alpha.test", "www.alpha.test"]
    )
    url = reverse("issuance:order_upload", kwargs={"pk": manual_order.pk})

    response = client.post(url, {"certificate": pem})

    assert response.status_code == 302
    manual_order.refresh_from_db()
    assert manual_order.status == OrderStatus.ISSUED
    page = client.get(response.url).content.decode()
    assert "CertPortal Test Root" in page
    assert page.count(PEM_START) == 2


def test_start_rejects_unapproved_csr(manual_provider, client_a):
    csr = make_csr(client_a, ["new.alpha.test"], state=CsrState.NEW)

    with pytest.raises(ValidationError) as raised:
        services.start_order(csr, manual_provider)

    assert raised.value.message_dict["csr"] == [
        "CSR new.alpha.test is new, not approved. Approve the CSR before ordering "
        "a certificate for it."
    ]
    assert Order.objects.count() == 0


def test_start_rejects_wildcard_http(client_a, db):
    provider = Provider.objects.create(
        name="HTTP CA", kind=ProviderKind.ACME, directory_url="https://127.0.0.1:9/d"
    )
    csr = make_csr(client_a, ["*.alpha.test"])

    with pytest.raises(ValidationError) as raised:
        services.start_order(csr, provider)

    assert raised.value.message_dict["provider"] == [
        "CSR *.alpha.test has a wildcard name, which CAs validate only with "
        "DNS-01. Choose a provider set to DNS-01."
    ]


def test_start_rejects_portal_dns(client_a, db):
    provider = Provider.objects.create(
        name="DNS CA",
        kind=ProviderKind.ACME,
        directory_url="https://127.0.0.1:9/d",
        challenge_type=ChallengeType.DNS_01,
    )
    csr = make_csr(client_a, ["dns.alpha.test"])

    with pytest.raises(ValidationError) as raised:
        services.start_order(csr, provider, responder=ChallengeResponder.PORTAL)

    assert raised.value.message_dict["responder"] == [
        "The portal cannot publish DNS records. Choose the client as the "
        "responder for a DNS-01 provider."
    ]


def _challenge(order, status=OrderStatus.VALIDATING, responder="portal"):
    Order.objects.filter(pk=order.pk).update(status=status, responder=responder)
    authorization = Authorization.objects.create(
        order=order, identifier="shop.alpha.test", url="https://ca.example.net/a/1"
    )
    return Challenge.objects.create(
        authorization=authorization,
        type=ChallengeType.HTTP_01,
        url="https://ca.example.net/c/1",
        token="tok_123",
        key_authorization="tok_123.thumb",
        dns_txt_value="txt-value",
    )


def test_responder_serves_token(manual_order, client):
    _challenge(manual_order)

    response = client.get("/.well-known/acme-challenge/tok_123")

    assert response.status_code == 200
    assert response.content == b"tok_123.thumb"
    assert response["Content-Type"].startswith("text/plain")


def test_responder_unknown_token(client, db):
    response = client.get("/.well-known/acme-challenge/nothing")

    assert response.status_code == 404


def test_responder_ignores_closed_order(manual_order, client):
    _challenge(manual_order, status=OrderStatus.FAILED)

    response = client.get("/.well-known/acme-challenge/tok_123")

    assert response.status_code == 404


def test_detail_shows_token_file(manual_order, client_user_a, client):
    _challenge(manual_order, responder="client")
    client.force_login(client_user_a)

    response = client.get(
        reverse("issuance:order_detail", kwargs={"pk": manual_order.pk})
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "tok_123.thumb" in page
    assert "does not confirm domain ownership" in page


def test_detail_shows_txt_record(client_a, client_user_a, client, db):
    provider = Provider.objects.create(
        name="DNS CA",
        kind=ProviderKind.ACME,
        directory_url="https://127.0.0.1:9/d",
        challenge_type=ChallengeType.DNS_01,
    )
    order = Order.objects.create(
        client=client_a,
        provider=provider,
        csr=make_csr(client_a, ["shop.alpha.test"]),
        status=OrderStatus.AWAITING_CLIENT,
        responder=ChallengeResponder.CLIENT,
    )
    challenge = _challenge(
        order, status=OrderStatus.AWAITING_CLIENT, responder="client"
    )
    Challenge.objects.filter(pk=challenge.pk).update(type=ChallengeType.DNS_01)
    client.force_login(client_user_a)

    response = client.get(reverse("issuance:order_detail", kwargs={"pk": order.pk}))

    page = response.content.decode()
    assert "<code>_acme-challenge.shop.alpha.test.</code>" in page
    assert "<code>txt-value</code>" in page


@pytest.fixture
def product(manual_provider) -> Product:
    return Product.objects.create(
        provider=manual_provider,
        name="Single DV",
        validation=ValidationLevel.DV,
        coverage=Coverage.SINGLE,
        price=Decimal("50.00"),
        installation_price=Decimal("30.00"),
    )


def test_order_waits_for_quote(client_a, client_user_a, product, db):
    provider = Provider.objects.create(
        name="Quoted CA", kind=ProviderKind.ACME, directory_url="https://127.0.0.1:9/d"
    )
    quote = create_quote(client_a, product, name_count=1, start_date=date(2027, 1, 1))
    csr = make_csr(client_a, ["quoted.alpha.test"])
    order = services.start_order(csr, provider, quote=quote)
    assert order.status == OrderStatus.AWAITING_QUOTE

    services.decline_quote(quote, client_user_a)

    order.refresh_from_db()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DECLINED
    assert order.status == OrderStatus.CANCELLED


def test_accepted_quote_releases_order(
    client_a, client_user_a, product, django_capture_on_commit_callbacks
):
    provider = Provider.objects.create(
        name="Quoted CA", kind=ProviderKind.ACME, directory_url="https://127.0.0.1:9/d"
    )
    quote = create_quote(client_a, product, name_count=1, start_date=date(2027, 1, 1))
    csr = make_csr(client_a, ["accepted.alpha.test"])
    order = services.start_order(csr, provider, quote=quote)
    assert order.status == OrderStatus.AWAITING_QUOTE

    # The submission to the CA is queued for after the commit; it is not run here
    # because the directory address is closed on purpose.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.accept_quote(quote, client_user_a)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert len(queued) == 1


def test_quote_page_accepts(client_a, client_user_a, product, client):
    quote = create_quote(client_a, product, name_count=1, start_date=date(2027, 1, 1))
    client.force_login(client_user_a)

    page = client.get(reverse("issuance:quote_detail", kwargs={"pk": quote.pk}))
    response = client.post(
        reverse("issuance:quote_decide", kwargs={"pk": quote.pk}),
        {"decision": "accept"},
    )

    assert "50.00 GBP" in page.content.decode()
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    assert quote.decided_by == client_user_a


def test_quote_decided_twice(client_a, client_user_a, product):
    quote = create_quote(client_a, product, name_count=1, start_date=date(2027, 1, 1))
    services.accept_quote(quote, client_user_a)

    with pytest.raises(ValidationError) as raised:
        services.decline_quote(quote, client_user_a)

    assert raised.value.message_dict["status"] == [
        f"Quote {quote.pk} is already accepted, so it cannot be changed."
    ]


def test_quote_bad_decision(client_a, client_user_a, product, client):
    quote = create_quote(client_a, product, name_count=1, start_date=date(2027, 1, 1))
    client.force_login(client_user_a)

    response = client.post(
        reverse("issuance:quote_decide", kwargs={"pk": quote.pk}),
        {"decision": "maybe"},
        follow=True,
    )

    assert (
        "&#x27;maybe&#x27; is not a decision on a quote." in response.content.decode()
    )
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


def test_client_cannot_start_order(client_a, client_user_a, client, db):
    csr = make_csr(client_a, ["mine.alpha.test"])
    client.force_login(client_user_a)

    response = client.post(reverse("issuance:order_start", kwargs={"csr_pk": csr.pk}))

    assert response.status_code == 403


def test_start_page_creates_order(client_a, analyst, manual_provider, client):
    csr = make_csr(client_a, ["page.alpha.test"])
    client.force_login(analyst)

    response = client.post(
        reverse("issuance:order_start", kwargs={"csr_pk": csr.pk}),
        {"provider": manual_provider.pk, "responder": "portal"},
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("issuance:order_detail", kwargs={"pk": order.pk})


def test_api_creates_order(client_a, analyst, manual_provider, client):
    csr = make_csr(client_a, ["api.alpha.test"])
    client.force_login(analyst)

    response = client.post(
        reverse("api:issuance-order-list"),
        {"csr": csr.pk, "provider": manual_provider.pk},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == OrderStatus.AWAITING_UPLOAD


def test_api_rejects_other_client_csr(
    client_b, analyst, manual_provider, sdm_a, client
):
    csr = make_csr(client_b, ["hidden.bravo.test"])
    client.force_login(sdm_a)

    response = client.post(
        reverse("api:issuance-order-list"),
        {"csr": csr.pk, "provider": manual_provider.pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["csr"] == [
        f'Invalid pk "{csr.pk}" - object does not exist.'
    ]


def test_api_duplicate_order_message(manual_order, analyst, client):
    client.force_login(analyst)

    response = client.post(
        reverse("api:issuance-order-list"),
        {"csr": manual_order.csr.pk, "provider": manual_order.provider.pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["csr"] == [
        "CSR shop.alpha.test already has an open order. Open that order instead, "
        "or cancel it before ordering again."
    ]


def test_api_order_list_queries_constant(
    client_a, analyst, manual_provider, client, django_assert_max_num_queries
):
    client.force_login(analyst)

    def add_orders(count):
        for number in range(count):
            csr = make_csr(client_a, [f"q{Order.objects.count()}-{number}.alpha.test"])
            order = services.start_order(csr, manual_provider)
            _challenge(order)

    add_orders(10)
    with django_assert_max_num_queries(12) as ten:
        client.get(reverse("api:issuance-order-list"), {"page_size": 500})
    add_orders(90)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        client.get(reverse("api:issuance-order-list"), {"page_size": 500})


def test_order_page_queries_constant(
    client_a, analyst, manual_provider, client, django_assert_max_num_queries
):
    client.force_login(analyst)

    def add_orders(count, offset):
        for number in range(count):
            csr = make_csr(client_a, [f"p{offset + number}.alpha.test"])
            services.start_order(csr, manual_provider)

    add_orders(10, 0)
    with django_assert_max_num_queries(15) as ten:
        client.get(reverse("issuance:order_list"))
    add_orders(90, 10)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        client.get(reverse("issuance:order_list"))


def test_admin_adds_order(client_a, administrator, manual_provider, client):
    csr = make_csr(client_a, ["admin.alpha.test"])
    client.force_login(administrator)

    response = client.post(
        reverse("admin:issuance_order_add"),
        {"csr": csr.pk, "provider": manual_provider.pk, "responder": "portal"},
    )

    assert response.status_code == 302
    assert Order.objects.get().status == OrderStatus.AWAITING_UPLOAD


def test_admin_order_rejects_unapproved(
    client_a, administrator, manual_provider, client
):
    csr = make_csr(client_a, ["draft.alpha.test"], state=CsrState.NEW)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:issuance_order_add"),
        {"csr": csr.pk, "provider": manual_provider.pk, "responder": "portal"},
    )

    assert response.status_code == 200
    assert "CSR draft.alpha.test is new, not approved." in response.content.decode()
    assert Order.objects.count() == 0


def test_admin_provider_hides_keys(administrator, client, db):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:issuance_provider_add"),
        {
            "name": "EAB CA",
            "kind": "acme",
            "directory_url": "https://127.0.0.1:9/dir",
            "challenge_type": "http-01",
            "eab_key_id": "kid-1",
            "eab_hmac_key": "c2VjcmV0LWhtYWMta2V5",
            "is_active": "on",
        },
    )
    provider = Provider.objects.get()
    page = client.get(
        reverse("admin:issuance_provider_change", args=[provider.pk])
    ).content.decode()

    assert response.status_code == 302
    assert provider.get_eab_hmac_key() == "c2VjcmV0LWhtYWMta2V5"
    assert b"c2VjcmV0" not in bytes(provider.encrypted_eab_hmac_key)
    assert "c2VjcmV0LWhtYWMta2V5" not in page


def test_provider_rejects_http_directory(db):
    provider = Provider(
        name="Plain", kind=ProviderKind.ACME, directory_url="http://127.0.0.1:9/dir"
    )

    with pytest.raises(ValidationError) as raised:
        provider.full_clean()

    assert raised.value.message_dict["directory_url"] == [
        "'http://127.0.0.1:9/dir' is not an https URL. An ACME directory is "
        "served over HTTPS: enter its https:// address."
    ]


def test_provider_rejects_half_eab(db):
    provider = Provider(
        name="Half",
        kind=ProviderKind.ACME,
        directory_url="https://127.0.0.1:9/dir",
        eab_key_id="kid-1",
    )

    with pytest.raises(ValidationError) as raised:
        provider.full_clean()

    assert raised.value.message_dict["eab_key_id"] == [
        "External Account Binding needs both the key id and the HMAC key: give "
        "both or neither."
    ]


def test_provider_rejects_missing_bundle(db):
    provider = Provider(
        name="Bundle",
        kind=ProviderKind.ACME,
        directory_url="https://127.0.0.1:9/dir",
        ca_bundle_path="/nonexistent/ca.pem",
    )

    with pytest.raises(ValidationError) as raised:
        provider.full_clean()

    assert raised.value.message_dict["ca_bundle_path"] == [
        "'/nonexistent/ca.pem' is not a readable file. Enter the path of a PEM "
        "file on the portal's servers, or leave it empty."
    ]


def test_provider_rejects_bad_hmac(db):
    provider = Provider(name="Hmac", kind=ProviderKind.ACME)

    with pytest.raises(ValidationError) as raised:
        provider.set_eab_hmac_key("not base64 !!")

    assert raised.value.messages == [
        "The EAB HMAC key is not valid base64url. Paste the key exactly as the "
        "CA shows it."
    ]
