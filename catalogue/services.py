"""Catalogue workflows: entitlement, the monthly allowance, submission, fulfilment.

"24 business hours" means 24 working hours of the client's business calendar
(three working days on an 8-hour calendar); see servicedesk.calendars.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from catalogue.choices import Criterion, Fulfiller, Fulfilment, Service, TargetUnit
from catalogue.forms_spec import clean_answers
from catalogue.models import CatalogueItem, CatalogueRequest, Subscription
from servicedesk import calendars
from servicedesk.choices import Category
from servicedesk.services import open_ticket

logger = logging.getLogger(__name__)

# Attempts to take a sequence number before giving up. Each failure means another
# submission took the number at the same moment, so a few attempts are enough.
MAX_SEQUENCE_ATTEMPTS = 5

TICKET_CATEGORY = {
    Fulfiller.RENEWAL: Category.RENEWAL,
    Fulfiller.STATUS_REPORT: Category.QUESTION,
    Fulfiller.TICKET_ONLY: Category.OTHER,
}


@dataclass(frozen=True)
class Allowance:
    """The counting of the next request of an item this month."""

    included: int
    used: int
    next_price: Decimal
    currency: str

    @property
    def remaining(self) -> int:
        return max(self.included - self.used, 0)

    @property
    def next_is_chargeable(self) -> bool:
        return self.used >= self.included


def month_of(client, moment: datetime) -> date:
    """Return the first day of the month containing `moment` in the client's zone."""
    return moment.astimezone(client.zone).date().replace(day=1)


def subscribed_services(client, on: date) -> set[str]:
    rows = Subscription.objects.filter(client=client, starts_on__lte=on).exclude(
        ends_on__lt=on
    )
    return set(rows.values_list("service", flat=True))


def entitled_items(client, now: datetime | None = None):
    """Return the active items whose service the client subscribes to today."""
    now = now or timezone.now()
    services = subscribed_services(client, now.astimezone(client.zone).date())
    return CatalogueItem.objects.filter(is_active=True, service__in=services)


def allowance(client, item: CatalogueItem, now: datetime | None = None) -> Allowance:
    now = now or timezone.now()
    used = CatalogueRequest.objects.filter(
        client=client, item=item, period=month_of(client, now)
    ).count()
    chargeable = used >= item.included_per_month
    return Allowance(
        included=item.included_per_month,
        used=used,
        next_price=item.price_per_extra if chargeable else Decimal("0.00"),
        currency=item.currency,
    )


def check_entitlement(client, item: CatalogueItem, now: datetime) -> None:
    if not item.is_active:
        raise ValidationError(
            {
                "item": ValidationError(
                    "%(item)s is no longer offered. Choose another item.",
                    code="item_inactive",
                    params={"item": item.name},
                )
            }
        )
    services = subscribed_services(client, now.astimezone(client.zone).date())
    if item.service not in services:
        raise ValidationError(
            {
                "item": ValidationError(
                    "%(client)s does not subscribe to the %(service)s, which "
                    "%(item)s belongs to. Ask your service delivery manager to add it.",
                    code="not_entitled",
                    params={
                        "client": client.name,
                        "service": Service(item.service).label,
                        "item": item.name,
                    },
                )
            }
        )


def check_criteria(client, item: CatalogueItem, now: datetime) -> None:
    """Raise a ValidationError saying why a request is not allowed, if it is not."""
    if Criterion.NO_REVIEW_IN_PAST_MONTH in item.criteria:
        since = now - timedelta(days=30)
        last = (
            CatalogueRequest.objects.filter(
                client=client, item=item, submitted_at__gte=since
            )
            .order_by("-submitted_at")
            .first()
        )
        if last is not None:
            local = last.submitted_at.astimezone(client.zone)
            raise ValidationError(
                {
                    "item": ValidationError(
                        "A review meeting was already requested on %(day)s; one is "
                        "allowed every 30 days. Request the next one from %(next)s.",
                        code="review_too_soon",
                        params={
                            "day": f"{local:%Y-%m-%d}",
                            "next": f"{(local + timedelta(days=30)):%Y-%m-%d}",
                        },
                    )
                }
            )


def fulfilment_due(client, item: CatalogueItem, start: datetime) -> datetime:
    calendar = calendars.calendar_for_client(client)
    if item.target_unit == TargetUnit.BUSINESS_HOURS:
        return calendars.add_business_minutes(calendar, start, item.target_value * 60)
    if item.target_unit == TargetUnit.BUSINESS_DAYS:
        return calendars.add_business_days(calendar, start, item.target_value)
    return start + timedelta(days=item.target_value)


def submit_request(
    client,
    item: CatalogueItem,
    requester,
    answers: dict,
    *,
    expected_price: Decimal | None = None,
    now: datetime | None = None,
) -> CatalogueRequest:
    """Submit a request of `item`, open its ticket and start its fulfilment.

    `expected_price` is the price the person was shown before submitting. If the
    month's included requests ran out in the meantime (someone else took the
    last one), nothing is stored and the error states the new price.
    Raises ValidationError keyed by field; nothing is stored on any error.
    """
    now = now or timezone.now()
    check_entitlement(client, item, now)
    check_criteria(client, item, now)
    cleaned, certificates = clean_answers(item, client, answers)

    for _ in range(MAX_SEQUENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _create(
                    client, item, requester, cleaned, certificates, expected_price, now
                )
        except IntegrityError:
            logger.info(
                "catalogue sequence taken client=%s item=%s; retrying",
                client.pk,
                item.code,
            )
    raise ValidationError(
        "Too many requests were submitted at the same moment. Submit again.",
        code="busy",
    )


def _create(client, item, requester, cleaned, certificates, expected_price, now):
    period = month_of(client, now)
    last_sequence = CatalogueRequest.objects.filter(
        client=client, item=item, period=period
    ).aggregate(last=Max("sequence"))["last"]
    sequence = (last_sequence or 0) + 1
    chargeable = sequence > item.included_per_month
    price = item.price_per_extra if chargeable else Decimal("0.00")
    if expected_price is not None and Decimal(expected_price) != price:
        raise ValidationError(
            {
                "expected_price": ValidationError(
                    "This month's included %(item)s requests were used up while "
                    "you were filling in the form, so this request costs "
                    "%(price)s %(currency)s, not %(expected)s. Submit again to "
                    "accept the charge.",
                    code="price_changed",
                    params={
                        "item": item.name,
                        "price": price,
                        "currency": item.currency,
                        "expected": expected_price,
                    },
                )
            }
        )

    due = fulfilment_due(client, item, now)
    ticket = open_ticket(
        client,
        requester,
        TICKET_CATEGORY.get(item.fulfiller, Category.OTHER),
        f"{item.name} #{sequence} for {period:%B %Y}",
        _ticket_description(item, cleaned, due, chargeable, price),
        source="catalogue",
        certificate=certificates[0] if len(certificates) == 1 else None,
        now=now,
    )
    request = CatalogueRequest.objects.create(
        client=client,
        item=item,
        requester=requester,
        ticket=ticket,
        period=period,
        sequence=sequence,
        chargeable=chargeable,
        price=price,
        currency=item.currency,
        answers=cleaned,
        submitted_at=now,
        due_at=due,
    )
    request.certificates.set(certificates)

    from catalogue import fulfilment  # the fulfillers call back into this module

    fulfilment.start(request, requester, now)
    logger.info(
        "catalogue request submitted id=%s client=%s item=%s sequence=%s chargeable=%s",
        request.pk,
        client.pk,
        item.code,
        sequence,
        chargeable,
    )
    return request


def _ticket_description(item, cleaned, due, chargeable, price) -> str:
    lines = [f"Catalogue request: {item.name}."]
    for name, value in cleaned.items():
        lines.append(f"{name}: {value}")
    lines.append(f"Fulfilment due: {due:%Y-%m-%d %H:%M %Z}.")
    if chargeable:
        lines.append(f"Beyond the monthly allowance: charged {price} {item.currency}.")
    return "\n".join(lines)


def record_fulfilment(request: CatalogueRequest, fulfilled_at: datetime) -> bool:
    """Mark the request met or missed, once. Returns False if already recorded."""
    outcome = Fulfilment.MET if fulfilled_at <= request.due_at else Fulfilment.MISSED
    updated = CatalogueRequest.objects.filter(
        pk=request.pk, fulfilled_at__isnull=True
    ).update(fulfilled_at=fulfilled_at, fulfilment=outcome)
    if updated:
        request.fulfilled_at, request.fulfilment = fulfilled_at, outcome
    return bool(updated)


def mark_overdue(now: datetime | None = None) -> int:
    """Record as missed every pending request whose due time has passed.

    A request fulfilled later keeps its fulfilled_at but stays missed.
    """
    now = now or timezone.now()
    return CatalogueRequest.objects.filter(
        fulfilment=Fulfilment.PENDING, due_at__lt=now
    ).update(fulfilment=Fulfilment.MISSED)


@dataclass(frozen=True)
class BillingLine:
    item: str
    count: int
    included: int
    chargeable: int
    amount: Decimal
    currency: str


def billing_summaries(clients, period: date) -> dict[int, list[BillingLine]]:
    """Summarise each client's requests of the month per item.

    Returns the count, the chargeable ones and their total per client, from one
    query whatever the number of clients.
    """
    lines: dict[tuple[int, int], dict] = {}
    rows = (
        CatalogueRequest.objects.filter(client__in=clients, period=period)
        .select_related("item")
        .order_by("client_id", "item__name", "sequence")
    )
    for row in rows:
        line = lines.setdefault(
            (row.client_id, row.item_id),
            {
                "item": row.item.name,
                "count": 0,
                "included": row.item.included_per_month,
                "chargeable": 0,
                "amount": Decimal("0.00"),
                "currency": row.currency,
            },
        )
        line["count"] += 1
        if row.chargeable:
            line["chargeable"] += 1
            line["amount"] += row.price
    result: dict[int, list[BillingLine]] = {}
    for (client_id, _), line in lines.items():
        result.setdefault(client_id, []).append(BillingLine(**line))
    return result


def billing_summary(client, period: date) -> list[BillingLine]:
    return billing_summaries([client.pk], period).get(client.pk, [])
