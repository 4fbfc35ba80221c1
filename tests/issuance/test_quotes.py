"""Quote arithmetic under the CA/Browser Forum schedule, and stored quotes."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from issuance.choices import Coverage, ProviderKind, ValidationLevel
from issuance.models import Product, Provider
from issuance.quotes import add_years, create_quote, limits_on, subscription_schedule


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 14), (398, 398)),
        (date(2026, 3, 15), (200, 200)),
        (date(2027, 3, 14), (200, 200)),
        (date(2027, 3, 15), (100, 100)),
        (date(2029, 3, 14), (100, 100)),
        (date(2029, 3, 15), (47, 10)),
        (date(2035, 1, 1), (47, 10)),
    ],
)
def test_limits_on_cap_dates(day, expected):
    assert limits_on(day) == expected


def test_schedule_day_before_first_cap():
    schedule = subscription_schedule(date(2026, 3, 14), 1)

    assert schedule.issue_dates == [date(2026, 3, 14)]
    assert schedule.reissues == 0
    assert schedule.revalidations == 0


def test_schedule_first_cap_day():
    schedule = subscription_schedule(date(2026, 3, 15), 1)

    assert schedule.issue_dates == [date(2026, 3, 15), date(2026, 10, 1)]
    assert schedule.reissues == 1
    # 200 days after the first validation is still within the 200-day reuse.
    assert schedule.validation_dates == [date(2026, 3, 15)]


def test_schedule_47_day_era():
    schedule = subscription_schedule(date(2029, 3, 15), 1)

    assert len(schedule.issue_dates) == 8
    assert schedule.reissues == 7
    assert schedule.validation_dates == schedule.issue_dates
    assert schedule.revalidations == 7


def test_schedule_three_years_across_caps():
    schedule = subscription_schedule(date(2026, 12, 4), 3)

    assert schedule.end == date(2029, 12, 4)
    assert schedule.issue_dates == [
        date(2026, 12, 4),
        date(2027, 6, 22),
        date(2027, 9, 30),
        date(2028, 1, 8),
        date(2028, 4, 17),
        date(2028, 7, 26),
        date(2028, 11, 3),
        date(2029, 2, 11),
        date(2029, 5, 22),
        date(2029, 7, 8),
        date(2029, 8, 24),
        date(2029, 10, 10),
        date(2029, 11, 26),
    ]
    assert schedule.validation_dates == [
        date(2026, 12, 4),
        date(2027, 6, 22),
        date(2028, 1, 8),
        date(2028, 7, 26),
        date(2029, 2, 11),
        date(2029, 5, 22),
        date(2029, 7, 8),
        date(2029, 8, 24),
        date(2029, 10, 10),
        date(2029, 11, 26),
    ]


def test_add_years_leap_day():
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)


@pytest.fixture
def multi_domain(db) -> Product:
    provider = Provider.objects.create(name="Manual CA", kind=ProviderKind.MANUAL)
    return Product.objects.create(
        provider=provider,
        name="Multi-domain OV",
        validation=ValidationLevel.OV,
        coverage=Coverage.MULTI_DOMAIN,
        names_included=3,
        price_per_extra_name=Decimal("20.00"),
        term_years=2,
        price=Decimal("300.00"),
        currency="GBP",
        installation_price=Decimal("45.00"),
    )


def test_quote_lines_and_total(client_a, multi_domain):
    quote = create_quote(
        client_a,
        multi_domain,
        name_count=5,
        start_date=date(2027, 3, 15),
        installations_per_certificate=2,
    )

    lines = [
        (line.description, line.quantity, line.unit_price, line.amount)
        for line in quote.lines.all()
    ]
    # Two years from 2027-03-15 at 100 days each: 8 certificates.
    assert quote.certificates_issued == 8
    assert quote.reissues == 7
    assert quote.installations == 16
    assert lines == [
        ("Multi-domain OV, 2 years", 1, Decimal("300.00"), Decimal("300.00")),
        ("Names beyond those included", 2, Decimal("20.00"), Decimal("40.00")),
        (
            "Manual installations by the provider",
            16,
            Decimal("45.00"),
            Decimal("720.00"),
        ),
    ]
    assert quote.total == Decimal("1060.00")
    assert quote.currency == "GBP"


def test_quote_keeps_prices(client_a, multi_domain):
    quote = create_quote(
        client_a, multi_domain, name_count=3, start_date=date(2027, 3, 15)
    )
    multi_domain.price = Decimal("999.00")
    multi_domain.save()

    quote.refresh_from_db()
    assert quote.total == Decimal("300.00")
    assert quote.lines.get().unit_price == Decimal("300.00")


def test_quote_rejects_many_names_single(client_a, multi_domain):
    multi_domain.coverage = Coverage.SINGLE
    multi_domain.names_included = 1
    multi_domain.save()

    with pytest.raises(ValidationError) as raised:
        create_quote(client_a, multi_domain, name_count=2, start_date=date(2027, 1, 1))

    error = raised.value.error_dict["name_count"][0]
    assert error.code == "too_many_names"
    assert error.messages == [
        "Product Multi-domain OV (2 y) covers one name, not 2. Choose a "
        "multi-domain product."
    ]


def test_quote_rejects_zero_names(client_a, multi_domain):
    with pytest.raises(ValidationError) as raised:
        create_quote(client_a, multi_domain, name_count=0, start_date=date(2027, 1, 1))

    assert raised.value.error_dict["name_count"][0].messages == [
        "A certificate needs at least one name, not 0."
    ]


def test_product_rejects_bad_currency(multi_domain):
    multi_domain.currency = "gb1"

    with pytest.raises(ValidationError) as raised:
        multi_domain.full_clean()

    assert raised.value.message_dict["currency"] == [
        "'GB1' is not an ISO 4217 currency code. Use three letters such as "
        "GBP, EUR or USD."
    ]


def test_product_rejects_long_term(multi_domain):
    multi_domain.term_years = 5

    with pytest.raises(ValidationError) as raised:
        multi_domain.full_clean()

    assert raised.value.message_dict["term_years"] == [
        "A term of 5 years is longer than the 3 years sold. Choose 1, 2 or 3."
    ]
