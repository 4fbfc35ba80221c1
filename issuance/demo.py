"""Demo certificate authorities, a price list and one quote, for `manage.py seed_demo`.

The demo CA is manual, so seeding contacts no server. Prices are invented.
"""

from datetime import date
from decimal import Decimal

from issuance.choices import Coverage, ProviderKind, ValidationLevel
from issuance.models import Product, Provider, Quote
from issuance.quotes import create_quote

PRODUCTS = [
    ("Single DV", ValidationLevel.DV, Coverage.SINGLE, 1, "0.00", 1, "45.00"),
    ("Wildcard DV", ValidationLevel.DV, Coverage.WILDCARD, 1, "0.00", 1, "160.00"),
    (
        "Multi-domain OV",
        ValidationLevel.OV,
        Coverage.MULTI_DOMAIN,
        3,
        "25.00",
        2,
        "390.00",
    ),
    ("Single EV", ValidationLevel.EV, Coverage.SINGLE, 1, "0.00", 3, "780.00"),
]


def seed(clients: dict, people: dict, out) -> None:
    provider, created = Provider.objects.get_or_create(
        name="Example Trust Services (manual)",
        defaults={"kind": ProviderKind.MANUAL},
    )
    if created:
        out.write(f"provider {provider.name}\n")
    for name, validation, coverage, included, extra, years, price in PRODUCTS:
        Product.objects.get_or_create(
            provider=provider,
            name=name,
            term_years=years,
            defaults={
                "validation": validation,
                "coverage": coverage,
                "names_included": included,
                "price_per_extra_name": Decimal(extra),
                "price": Decimal(price),
                "currency": "GBP",
                "installation_price": Decimal("60.00"),
            },
        )
    client = next(iter(clients.values()), None)
    if client is None or Quote.objects.filter(client=client).exists():
        return
    product = Product.objects.get(provider=provider, name="Multi-domain OV")
    quote = create_quote(
        client,
        product,
        name_count=5,
        start_date=date(2027, 1, 4),
        installations_per_certificate=1,
    )
    out.write(f"quote {quote.pk} for {client}\n")
