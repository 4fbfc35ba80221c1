from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue import services
from catalogue.choices import Fulfilment, Service
from catalogue.models import CatalogueItem, CatalogueRequest, Subscription
from certificates.choices import CertificateStatus
from certificates.services import store_certificate
from servicedesk.models import Ticket
from tests.certificates_factories import issue_leaf, make_certificate, test_ca

# Monday 2 November 2026, 10:00 in London (GMT): no holiday that week.
MONDAY_10AM = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def subscribe(client, *services_):
    for service in services_ or (Service.SSL_CERTIFICATES,):
        Subscription.objects.create(
            client=client, service=service, starts_on=date(2026, 1, 1)
        )


def item(code: str) -> CatalogueItem:
    return CatalogueItem.objects.get(code=code)


@pytest.fixture
def renewal():
    return item("ssl-renewal-request")


@pytest.fixture
def status_item():
    return item("ssl-certificate-status")


@pytest.fixture
def subscribed_a(client_a):
    subscribe(client_a)
    return client_a


def test_seeded_items_have_their_targets(db):
    renewal = item("ssl-renewal-request")
    status = item("ssl-certificate-status")
    assert (renewal.target_value, renewal.target_unit) == (24, "business_hours")
    assert renewal.included_per_month == 2
    assert (status.target_value, status.target_unit) == (24, "business_hours")
    assert status.included_per_month == 1
    assert item("review-meeting").criteria == ["no_review_in_past_month"]
    assert item("domain-registration").service == Service.DOMAIN_REGISTRATION


def test_due_time_is_24_business_hours(subscribed_a, client_user_a, status_item):
    certificate = make_certificate(subscribed_a)
    request = services.submit_request(
        subscribed_a,
        status_item,
        client_user_a,
        {"certificates": [certificate.pk]},
        now=MONDAY_10AM,
    )
    # 8 working hours a day, so 24 business hours end three working days later.
    assert request.due_at == datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
    assert request.ticket.client == subscribed_a


def test_third_renewal_is_priced(subscribed_a, client_user_a, renewal):
    certificates = [
        make_certificate(subscribed_a, f"r{n}.example.com") for n in range(3)
    ]
    for certificate in certificates[:2]:
        first = services.submit_request(
            subscribed_a,
            renewal,
            client_user_a,
            {"certificate": certificate.pk},
            expected_price=Decimal("0"),
            now=MONDAY_10AM,
        )
        assert first.chargeable is False
    allowance = services.allowance(subscribed_a, renewal, MONDAY_10AM)
    assert allowance.remaining == 0
    assert allowance.next_price == Decimal("45.00")

    third = services.submit_request(
        subscribed_a,
        renewal,
        client_user_a,
        {"certificate": certificates[2].pk},
        expected_price=Decimal("45.00"),
        now=MONDAY_10AM,
    )
    assert third.chargeable is True
    assert third.price == Decimal("45.00")
    summary = services.billing_summary(subscribed_a, date(2026, 11, 1))
    assert [(line.count, line.chargeable, line.amount) for line in summary] == [
        (3, 1, Decimal("45.00"))
    ]


def test_stale_price_rejected(subscribed_a, client_user_a, status_item):
    certificate = make_certificate(subscribed_a)
    answers = {"certificates": [certificate.pk]}
    services.submit_request(
        subscribed_a, status_item, client_user_a, answers, now=MONDAY_10AM
    )
    with pytest.raises(ValidationError) as raised:
        services.submit_request(
            subscribed_a,
            status_item,
            client_user_a,
            answers,
            expected_price=Decimal("0"),
            now=MONDAY_10AM,
        )
    assert raised.value.message_dict["expected_price"] == [
        "This month's included SSL Certificate Status requests were used up while "
        "you were filling in the form, so this request costs 25.00 GBP, not 0. "
        "Submit again to accept the charge."
    ]
    assert CatalogueRequest.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_month_counted_in_client_time_zone(client_user_a, status_item, client_a):
    client_a.time_zone = "Asia/Tokyo"
    client_a.save()
    subscribe(client_a)
    certificate = make_certificate(client_a)
    # 30 November 20:00 UTC is already 1 December in Tokyo.
    late = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    request = services.submit_request(
        client_a,
        status_item,
        client_user_a,
        {"certificates": [certificate.pk]},
        now=late,
    )
    assert request.period == date(2026, 12, 1)


def test_not_entitled_item_rejected(client_a, client_user_a):
    review = item("review-meeting")
    subscribe(client_a)
    with pytest.raises(ValidationError) as raised:
        services.submit_request(client_a, review, client_user_a, {}, now=MONDAY_10AM)
    assert raised.value.message_dict["item"] == [
        "Alpha Retail Ltd does not subscribe to the Service Delivery Manager, which "
        "Review Meeting belongs to. Ask your service delivery manager to add it."
    ]
    assert Ticket.objects.count() == 0


def test_review_meeting_once_a_month(client_a, client_user_a):
    review = item("review-meeting")
    subscribe(client_a, Service.SSL_CERTIFICATES, Service.SERVICE_DELIVERY_MANAGER)
    services.submit_request(client_a, review, client_user_a, {}, now=MONDAY_10AM)
    with pytest.raises(ValidationError) as raised:
        services.submit_request(client_a, review, client_user_a, {}, now=MONDAY_10AM)
    assert raised.value.message_dict["item"] == [
        "A review meeting was already requested on 2026-11-02; one is allowed every "
        "30 days. Request the next one from 2026-12-02."
    ]
    assert CatalogueRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({}, "certificate", "Certificate to renew is required."),
        (
            {"certificate": "abc"},
            "certificate",
            "'abc' is not a certificate id. Choose certificates from the list.",
        ),
        ({"certificate": [1, 2]}, "certificate", "Choose exactly one certificate."),
        (
            {"certificate": 999999},
            "certificate",
            "Certificate 999999 was not found among your organisation's current "
            "certificates. Choose one from the list.",
        ),
        (
            {"certificate": "VALID", "notes": "x" * 2001},
            "notes",
            "The text is 2001 characters long; at most 2000 are allowed. Shorten it.",
        ),
    ],
)
def test_bad_answers_store_nothing(
    subscribed_a, client_user_a, renewal, answers, field, message
):
    if answers.get("certificate") == "VALID":
        answers["certificate"] = make_certificate(subscribed_a).pk
    with pytest.raises(ValidationError) as raised:
        services.submit_request(subscribed_a, renewal, client_user_a, answers)
    assert raised.value.message_dict[field] == [message]
    assert CatalogueRequest.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_other_clients_certificate_rejected(
    subscribed_a, client_user_a, client_b, renewal
):
    foreign = make_certificate(client_b, "shop.bravo.test")
    with pytest.raises(ValidationError) as raised:
        services.submit_request(
            subscribed_a, renewal, client_user_a, {"certificate": foreign.pk}
        )
    assert raised.value.message_dict["certificate"] == [
        f"Certificate {foreign.pk} was not found among your organisation's current "
        "certificates. Choose one from the list."
    ]


def test_bad_date_rejected(client_a, client_user_a):
    subscribe(client_a, Service.SERVICE_DELIVERY_MANAGER)
    with pytest.raises(ValidationError) as raised:
        services.submit_request(
            client_a, item("review-meeting"), client_user_a, {"preferred_date": "31/12"}
        )
    assert raised.value.message_dict["preferred_date"] == [
        "'31/12' is not a date. Use the form YYYY-MM-DD."
    ]


def test_renewal_replaces_old_certificate(subscribed_a, client_user_a, renewal):
    old = make_certificate(
        subscribed_a,
        "shop.example.com",
        dns_names=["shop.example.com", "www.example.com"],
    )
    request = services.submit_request(
        subscribed_a, renewal, client_user_a, {"certificate": old.pk}
    )
    csr = request.renewal_csr
    assert csr.dns_names == ["shop.example.com", "www.example.com"]
    assert csr.private_key is not None
    assert request.ticket.csr_id == csr.pk

    # The certificate authority signs the CSR's key (the analyst's order).
    leaf, _ = issue_leaf("shop.example.com", ["shop.example.com", "www.example.com"])
    new, created = store_certificate(subscribed_a, leaf, [test_ca()[0]], csr=csr)

    assert created
    new.refresh_from_db()
    old.refresh_from_db()
    request.refresh_from_db()
    assert new.replaces_id == old.pk
    assert old.status == CertificateStatus.REPLACED
    assert request.fulfilment == Fulfilment.MET


def test_status_answer_lists_certificates(subscribed_a, client_user_a, status_item):
    certificate = make_certificate(subscribed_a, "status.example.com")
    request = services.submit_request(
        subscribed_a, status_item, client_user_a, {"certificates": [certificate.pk]}
    )
    reply = request.ticket.updates.get()
    assert "status.example.com: Active, expires" in reply.body
    assert "Installed on: no endpoint recorded." in reply.body
    request.refresh_from_db()
    assert request.fulfilment == Fulfilment.MET


def test_overdue_request_marked_missed(subscribed_a, client_user_a, renewal):
    certificate = make_certificate(subscribed_a)
    request = services.submit_request(
        subscribed_a,
        renewal,
        client_user_a,
        {"certificate": certificate.pk},
        now=MONDAY_10AM,
    )
    assert services.mark_overdue(datetime(2026, 11, 5, 10, 1, tzinfo=UTC)) == 1
    request.refresh_from_db()
    assert request.fulfilment == Fulfilment.MISSED
    assert services.mark_overdue(datetime(2026, 11, 6, tzinfo=UTC)) == 0


def test_portal_shows_price_before_submitting(
    subscribed_a, client_user_a, client, status_item
):
    certificate = make_certificate(subscribed_a)
    services.submit_request(
        subscribed_a, status_item, client_user_a, {"certificates": [certificate.pk]}
    )
    client.force_login(client_user_a)
    page = client.get(reverse("catalogue:item_request", args=[status_item.code]))
    assert page.status_code == 200
    assert (
        "This request will be charged <strong>25.00 GBP</strong>"
        in page.content.decode()
    )


def test_portal_submission_creates_ticket(subscribed_a, client_user_a, client, renewal):
    certificate = make_certificate(subscribed_a)
    client.force_login(client_user_a)
    response = client.post(
        reverse("catalogue:item_request", args=[renewal.code]),
        {"certificate": str(certificate.pk), "expected_price": "0.00"},
    )
    created = CatalogueRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("catalogue:request_detail", args=[created.pk])


def test_portal_form_error_shown(subscribed_a, client_user_a, client, renewal):
    client.force_login(client_user_a)
    response = client.post(reverse("catalogue:item_request", args=[renewal.code]), {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert CatalogueRequest.objects.count() == 0


def test_provider_staff_cannot_request(analyst, client):
    client.force_login(analyst)
    assert client.get(reverse("catalogue:item_list")).status_code == 403


def test_client_user_has_no_billing(client_user_a, client):
    client.force_login(client_user_a)
    assert client.get(reverse("catalogue:billing")).status_code == 403


def test_billing_rejects_bad_month(client_admin_a, client):
    client.force_login(client_admin_a)
    page = client.get(reverse("catalogue:billing"), {"month": "2026-13"})
    assert page.status_code == 200
    assert (
        "Month &#x27;2026-13&#x27; is invalid. Use the form YYYY-MM"
        in page.content.decode()
    )
