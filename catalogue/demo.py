"""Demo subscriptions: every client has the SSL service; some have the options."""

from datetime import date

from catalogue.choices import Service
from catalogue.models import Subscription

OPTIONS = {
    "northwind": [Service.SERVICE_DELIVERY_MANAGER, Service.TECHNICAL_ACCOUNT_MANAGER],
    "contoso": [Service.SERVICE_DELIVERY_MANAGER, Service.TELEPHONE_SUPPORT_24X7],
    "fabrikam": [Service.DOMAIN_REGISTRATION],
}


def seed(clients: dict, people: dict, out) -> None:
    start = date(2026, 1, 1)
    created = 0
    for slug, client in clients.items():
        for service in [Service.SSL_CERTIFICATES, *OPTIONS.get(slug, [])]:
            _, was_created = Subscription.objects.get_or_create(
                client=client, service=service, defaults={"starts_on": start}
            )
            created += was_created
    out.write(f"catalogue: {created} subscriptions created\n")
