"""Cross-tenant cases for the catalogue app."""

from datetime import date

from catalogue import services
from catalogue.choices import Service
from catalogue.models import CatalogueItem, Subscription
from tests.certificates_factories import make_certificate


def build(client, client_admin) -> dict:
    subscription = Subscription.objects.create(
        client=client, service=Service.SSL_CERTIFICATES, starts_on=date(2026, 1, 1)
    )
    certificate = make_certificate(client, "status.bravo.test")
    request = services.submit_request(
        client,
        CatalogueItem.objects.get(code="ssl-certificate-status"),
        client_admin,
        {"certificates": [certificate.pk]},
    )
    return {"subscription": subscription, "catalogue_request": request}


URLS = {
    "catalogue:request_detail": lambda o: {"pk": o["catalogue_request"].pk},
    "api:catalogue-request-detail": lambda o: {"pk": o["catalogue_request"].pk},
}
