import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.models import Endpoint
from monitoring.choices import NoticeKind, VerificationOutcome
from monitoring.models import MonitoredDomain, Notice, VerificationResult
from tests.certificates_factories import make_certificate


def _notice(person, title="Renew soon"):
    return Notice.objects.create(
        client=person.client,
        recipient=person,
        kind=NoticeKind.EXPIRY,
        title=title,
        body="Body",
    )


def test_notice_read_state_per_person(client, client_admin_a, client_user_a):
    mine = _notice(client_admin_a)
    theirs = _notice(client_user_a, "Other person's")
    client.force_login(client_admin_a)

    page = client.get(reverse("monitoring:notice_list")).content.decode()
    assert "Renew soon" in page
    assert "Other person&#x27;s" not in page

    client.post(reverse("monitoring:notice_read", args=[mine.pk]))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None
    response = client.post(reverse("monitoring:notice_read", args=[theirs.pk]))
    assert response.status_code == 404


def test_domain_create_form(client, client_admin_a):
    client.force_login(client_admin_a)
    url = reverse("monitoring:domain_create")
    response = client.post(
        url,
        {
            "target": "https://shop.alpha.test/",
            "interval_seconds": 300,
            "timeout_seconds": 10,
        },
    )
    domain = MonitoredDomain.objects.get()
    assert response.url == reverse("monitoring:domain_detail", args=[domain.pk])
    assert domain.client == client_admin_a.client
    assert domain.target == "https://shop.alpha.test:443/"

    again = client.post(
        url,
        {
            "target": "https://shop.alpha.test/",
            "interval_seconds": 300,
            "timeout_seconds": 10,
        },
    )
    assert again.status_code == 200
    assert "This client already monitors this target." in again.content.decode()
    assert MonitoredDomain.objects.count() == 1


def test_domain_create_bad_target(client, client_admin_a):
    client.force_login(client_admin_a)
    response = client.post(
        reverse("monitoring:domain_create"),
        {"target": "gopher://x.test/", "interval_seconds": 300, "timeout_seconds": 10},
    )
    assert response.status_code == 200
    assert (
        "&#x27;gopher://x.test/&#x27; uses gopher://; only http:// and https:// "
        "URLs can be monitored." in response.content.decode()
    )
    assert MonitoredDomain.objects.count() == 0


def test_client_user_cannot_add_domain(client, client_user_a):
    client.force_login(client_user_a)
    assert client.get(reverse("monitoring:domain_create")).status_code == 403


def test_discovery_bad_line(client, client_admin_a):
    client.force_login(client_admin_a)
    response = client.post(
        reverse("monitoring:discovery"), {"targets": "127.0.0.1:443\nnot a target"}
    )
    assert response.status_code == 200
    assert (
        "Line 2: &#x27;not a target&#x27; is not host:port. Write it as "
        "www.example.com:443." in response.content.decode()
    )


def test_api_domain_create_and_errors(client, client_admin_a):
    client.force_login(client_admin_a)
    url = reverse("api:monitored-domain-list")
    created = client.post(
        url,
        {"target": "shop.alpha.test:8443", "interval_seconds": 120},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["target"] == "shop.alpha.test:8443"
    assert created.json()["client"] == client_admin_a.client_id

    bad = client.post(
        url,
        {"target": "shop.alpha.test", "timeout_seconds": 0},
        content_type="application/json",
    )
    assert bad.status_code == 400
    fields = bad.json()["error"]["fields"]
    assert fields["target"] == [
        "'shop.alpha.test' is not a URL or host:port. Use "
        "https://www.example.com/ or www.example.com:443."
    ]
    assert fields["timeout_seconds"] == [
        "0 seconds is outside 1 to 60. Choose a timeout in that range."
    ]
    assert MonitoredDomain.objects.count() == 1


def test_api_client_user_read_only(client, client_user_a):
    client.force_login(client_user_a)
    response = client.post(
        reverse("api:monitored-domain-list"),
        {"target": "a.test:443"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_api_notices_and_read(client, client_admin_a, client_user_a):
    mine = _notice(client_admin_a)
    _notice(client_user_a)
    client.force_login(client_admin_a)
    listed = client.get(reverse("api:notice-list")).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    read = client.post(reverse("api:notice-read", args=[mine.pk]))
    assert read.status_code == 200
    assert read.json()["read_at"] is not None


def test_api_verification_results(client, client_admin_a):
    certificate = make_certificate(client_admin_a.client, "shop.alpha.test")
    endpoint = Endpoint.objects.create(
        client=client_admin_a.client,
        hostname="shop.alpha.test",
        certificate=certificate,
    )
    VerificationResult.objects.create(
        endpoint=endpoint, outcome=VerificationOutcome.MATCH, protocol="TLSv1.3"
    )
    client.force_login(client_admin_a)
    rows = client.get(
        reverse("api:verification-result-list"), {"endpoint": endpoint.pk}
    ).json()["results"]
    assert [(row["outcome"], row["protocol"]) for row in rows] == [("match", "TLSv1.3")]


def test_schema_lists_endpoints(client, client_admin_a):
    client.force_login(client_admin_a)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    for path in (
        "/api/v1/verification-results/",
        "/api/v1/monitored-domains/",
        "/api/v1/notices/",
        "/api/v1/notices/{id}/read/",
    ):
        assert path in schema["paths"]


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url_name",
    [
        "monitoring:domain_list",
        "monitoring:expiring",
        "monitoring:notice_list",
        "monitoring:endpoint_list",
        "dashboard",
    ],
)
def test_list_queries_constant(client, client_admin_a, url_name):
    client_a = client_admin_a.client
    client.force_login(client_admin_a)

    def grow(start, stop):
        for number in range(start, stop):
            certificate = make_certificate(client_a, f"n{number}.alpha.test", days=20)
            Endpoint.objects.create(
                client=client_a,
                hostname=f"n{number}.alpha.test",
                certificate=certificate,
            )
            MonitoredDomain.objects.create(
                client=client_a, target=f"https://n{number}.alpha.test:443/"
            )
            _notice(client_admin_a, f"Notice {number}")

    grow(0, 10)
    small = _count_queries(client, reverse(url_name))
    grow(10, 100)
    assert _count_queries(client, reverse(url_name)) == small


@pytest.mark.parametrize("month", ["9999-12", "0-1", "2026-13", "abc"])
def test_domain_page_bad_month(client, client_admin_a, month):
    domain = MonitoredDomain.objects.create(
        client=client_admin_a.client, target="https://shop.alpha.test:443/"
    )
    client.force_login(client_admin_a)
    url = reverse("monitoring:domain_detail", args=[domain.pk])
    response = client.get(url, {"month": month})
    assert response.status_code == 200
