from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue import services
from catalogue.choices import Service
from catalogue.models import CatalogueItem, CatalogueRequest, Subscription
from tests.certificates_factories import make_certificate


@pytest.fixture
def subscribed_a(client_a):
    Subscription.objects.create(
        client=client_a, service=Service.SSL_CERTIFICATES, starts_on=date(2026, 1, 1)
    )
    return client_a


def test_items_listed_for_entitled_client(subscribed_a, client_user_a, client):
    client.force_login(client_user_a)
    response = client.get(reverse("api:catalogue-item-list"))
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == ["ssl-certificate-status", "ssl-renewal-request"]


def test_allowance_endpoint(subscribed_a, client_user_a, client):
    client.force_login(client_user_a)
    url = reverse("api:catalogue-item-allowance", args=["ssl-renewal-request"])
    body = client.get(url).json()
    assert body["remaining"] == 2
    assert body["next_is_chargeable"] is False


def test_create_request_through_api(subscribed_a, client_user_a, client):
    certificate = make_certificate(subscribed_a)
    client.force_login(client_user_a)
    response = client.post(
        reverse("api:catalogue-request-list"),
        {"item": "ssl-renewal-request", "answers": {"certificate": certificate.pk}},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["sequence"] == 1
    assert CatalogueRequest.objects.count() == 1


def test_api_rejects_missing_answer(subscribed_a, client_user_a, client):
    client.force_login(client_user_a)
    response = client.post(
        reverse("api:catalogue-request-list"),
        {"item": "ssl-renewal-request", "answers": {}},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["certificate"] == ["Certificate to renew is required."]
    assert CatalogueRequest.objects.count() == 0


def test_api_rejects_unknown_item(subscribed_a, client_user_a, client):
    client.force_login(client_user_a)
    response = client.post(
        reverse("api:catalogue-request-list"),
        {"item": "no-such-item", "answers": {}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "item" in response.json()["error"]["fields"]


def test_api_forbids_provider_request(analyst, client):
    client.force_login(analyst)
    response = client.get(reverse("api:catalogue-item-list"))
    assert response.status_code == 403


def _submit_many(client, person, count):
    item = CatalogueItem.objects.get(code="ssl-certificate-status")
    for _ in range(count):
        certificate = make_certificate(client)
        services.submit_request(
            client, item, person, {"certificates": [certificate.pk]}
        )


def test_request_list_queries_constant(subscribed_a, client_user_a, client):
    client.force_login(client_user_a)
    _submit_many(subscribed_a, client_user_a, 3)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("catalogue:request_list"))
    _submit_many(subscribed_a, client_user_a, 12)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("catalogue:request_list"))
    assert len(many) == len(few)
