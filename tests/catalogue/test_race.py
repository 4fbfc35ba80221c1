"""Two people submitting at the same moment never both take the last included
request. Needs PostgreSQL: SQLite serialises writers, so it cannot race."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from catalogue import services
from catalogue.choices import Service
from catalogue.models import CatalogueItem, CatalogueRequest, Subscription
from tests.certificates_factories import make_certificate
from tests.conftest import uses_postgresql


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_last_included_request_taken_once(
    require_service, client_a, client_user_a, client_admin_a
):
    if not uses_postgresql():
        require_service("PostgreSQL", "the race needs concurrent transactions")
    Subscription.objects.create(
        client=client_a, service=Service.SSL_CERTIFICATES, starts_on=date(2026, 1, 1)
    )
    item = CatalogueItem.objects.get(code="ssl-renewal-request")
    certificates = [
        make_certificate(client_a, f"race{n}.example.com") for n in range(3)
    ]
    services.submit_request(
        client_a, item, client_user_a, {"certificate": certificates[0].pk}
    )  # one of the two included requests is used

    barrier = threading.Barrier(2)
    outcomes = []

    def submit(person, certificate):
        try:
            barrier.wait()
            services.submit_request(
                client_a,
                item,
                person,
                {"certificate": certificate.pk},
                expected_price=Decimal("0.00"),
            )
            outcomes.append("included")
        except ValidationError as error:
            outcomes.append(error.message_dict["expected_price"][0].split(",")[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(client_user_a, certificates[1])),
        threading.Thread(target=submit, args=(client_admin_a, certificates[2])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == [
        "This month's included SSL Renewal Request requests were used up while you "
        "were filling in the form",
        "included",
    ]
    assert CatalogueRequest.objects.filter(chargeable=False).count() == 2
    assert CatalogueRequest.objects.filter(chargeable=True).count() == 0
