"""Price quotes and the CA/Browser Forum limits that shape a paid term.

Ballot SC-081 caps the lifetime of publicly trusted TLS certificates and the
reuse of domain validation by issue date (Baseline Requirements, sections 6.3.2
and 4.2.1). A term of one to three years is therefore a subscription: several
certificates, each revalidated and installed again.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from issuance.choices import Coverage
from issuance.models import Product, Quote, QuoteLine

# (in force from, maximum certificate lifetime in days, maximum reuse of domain
# validation in days), newest last.
CABF_LIMITS = (
    (date.min, 398, 398),
    (date(2026, 3, 15), 200, 200),
    (date(2027, 3, 15), 100, 100),
    (date(2029, 3, 15), 47, 10),
)


def limits_on(day: date) -> tuple[int, int]:
    """Return (maximum lifetime, maximum validation reuse) in days on `day`."""
    lifetime, reuse = CABF_LIMITS[0][1:]
    for starts, max_lifetime, max_reuse in CABF_LIMITS:
        if day >= starts:
            lifetime, reuse = max_lifetime, max_reuse
    return lifetime, reuse


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


@dataclass
class Schedule:
    """Certificates and domain validations needed to cover a term."""

    start: date
    end: date
    issue_dates: list[date] = field(default_factory=list)
    validation_dates: list[date] = field(default_factory=list)

    @property
    def reissues(self) -> int:
        return len(self.issue_dates) - 1

    @property
    def revalidations(self) -> int:
        return len(self.validation_dates) - 1


def subscription_schedule(start: date, term_years: int) -> Schedule:
    """Count the certificates and validations that cover `term_years` from `start`.

    Certificates follow each other back to back, each with the longest lifetime
    allowed on its issue date, so the counts are the minimum. Renewing some days
    before expiry can add a certificate near the end of a term. A certificate
    needs a fresh validation when the last one is older than the reuse period
    in force on its issue date.
    """
    schedule = Schedule(start=start, end=add_years(start, term_years))
    day = start
    while day < schedule.end:
        schedule.issue_dates.append(day)
        lifetime, reuse = limits_on(day)
        last = schedule.validation_dates[-1] if schedule.validation_dates else None
        if last is None or (day - last).days > reuse:
            schedule.validation_dates.append(day)
        day += timedelta(days=lifetime)
    return schedule


def _invalid(field_name: str, message: str, code: str, **params) -> ValidationError:
    return ValidationError(
        {field_name: ValidationError(message, code=code, params=params)}
    )


def check_request(product: Product, name_count: int) -> None:
    if not product.is_active:
        raise _invalid(
            "product",
            "Product %(product)s is no longer sold. Choose an active product.",
            "product_inactive",
            product=str(product),
        )
    if name_count < 1:
        raise _invalid(
            "name_count",
            "A certificate needs at least one name, not %(value)s.",
            "too_few_names",
            value=name_count,
        )
    if product.coverage != Coverage.MULTI_DOMAIN and name_count > 1:
        raise _invalid(
            "name_count",
            "Product %(product)s covers one name, not %(value)s. Choose a "
            "multi-domain product.",
            "too_many_names",
            product=str(product),
            value=name_count,
        )


@transaction.atomic
def create_quote(
    client,
    product: Product,
    *,
    name_count: int,
    start_date: date,
    installations_per_certificate: int = 0,
    csr=None,
    actor=None,
) -> Quote:
    """Price a request with today's price list and store the quote with its lines.

    The lines copy the prices, so later edits of the product leave the quote
    unchanged.
    """
    check_request(product, name_count)
    schedule = subscription_schedule(start_date, product.term_years)
    certificates = len(schedule.issue_dates)
    installations = certificates * installations_per_certificate
    lines = _quote_lines(product, name_count, installations)
    quote = Quote.objects.create(
        client=client,
        product=product,
        csr=csr,
        name_count=name_count,
        installations_per_certificate=installations_per_certificate,
        start_date=schedule.start,
        end_date=schedule.end,
        certificates_issued=certificates,
        domain_validations=len(schedule.validation_dates),
        installations=installations,
        currency=product.currency,
        total=sum((line.amount for line in lines), Decimal("0.00")),
        created_by=actor,
    )
    for line in lines:
        line.quote = quote
    QuoteLine.objects.bulk_create(lines)
    return quote


def _quote_lines(product: Product, name_count: int, installations: int) -> list:
    years = "year" if product.term_years == 1 else "years"
    lines = [
        QuoteLine(
            description=f"{product.name}, {product.term_years} {years}",
            quantity=1,
            unit_price=product.price,
            amount=product.price,
        )
    ]
    extra_names = max(name_count - product.names_included, 0)
    if extra_names:
        lines.append(
            QuoteLine(
                description="Names beyond those included",
                quantity=extra_names,
                unit_price=product.price_per_extra_name,
                amount=product.price_per_extra_name * extra_names,
            )
        )
    if installations:
        lines.append(
            QuoteLine(
                description="Manual installations by the provider",
                quantity=installations,
                unit_price=product.installation_price,
                amount=product.installation_price * installations,
            )
        )
    return lines
