"""Monthly SLO results and the SDM overview."""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.urls import reverse

from monitoring.models import DomainDailySummary, MonitoredDomain
from reporting import slo, tasks
from reporting.choices import SloKind
from reporting.models import SloResult

NOVEMBER = date(2026, 11, 1)


def _domain(client, target: str, days: list[tuple[date, int, int]]) -> MonitoredDomain:
    domain = MonitoredDomain.objects.create(client=client, target=target)
    DomainDailySummary.objects.bulk_create(
        [
            DomainDailySummary(
                domain=domain, day=day, checks=checks, successes=successes
            )
            for day, checks, successes in days
        ]
    )
    return domain


def test_availability_computed_per_domain(client_a):
    _domain(
        client_a,
        "https://shop.example.com/",
        [(date(2026, 11, 1), 288, 288), (date(2026, 11, 2), 288, 280)],
    )
    _domain(client_a, "https://api.example.com/", [(date(2026, 11, 30), 1000, 999)])
    # A day outside the month does not count.
    _domain(client_a, "https://old.example.com/", [(date(2026, 10, 31), 10, 0)])

    assert slo.compute_results(client_a, NOVEMBER) == 2

    shop = SloResult.objects.get(subject="https://shop.example.com/")
    assert shop.kind == SloKind.DOMAIN_AVAILABILITY
    assert shop.target == Decimal("99.500")
    assert shop.achieved == Decimal("98.611")
    assert shop.met is False
    assert shop.details == {"checks": 576, "successes": 568}
    api = SloResult.objects.get(subject="https://api.example.com/")
    assert api.achieved == Decimal("99.900")
    assert api.met is True


def test_recompute_updates_in_place(client_a):
    domain = _domain(
        client_a, "https://shop.example.com/", [(date(2026, 11, 1), 100, 90)]
    )
    slo.compute_results(client_a, NOVEMBER)
    DomainDailySummary.objects.filter(domain=domain).update(successes=100)

    slo.compute_results(client_a, NOVEMBER)

    result = SloResult.objects.get()
    assert result.achieved == Decimal("100.000")
    assert result.met is True


def test_due_results_once_per_month(client_a):
    _domain(client_a, "https://shop.example.com/", [(date(2026, 11, 1), 100, 100)])
    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)

    assert slo.compute_due_results(now) == 1
    assert slo.compute_due_results(now) == 0
    assert SloResult.objects.get().period == NOVEMBER


def test_slo_task_runs(client_a):
    assert tasks.compute_slo_results.delay().get() == 0


def _result(client, met: bool) -> SloResult:
    return SloResult.objects.create(
        client=client,
        period=date.today().replace(day=1),
        kind=SloKind.DOMAIN_AVAILABILITY,
        subject="https://www.example.com/",
        target=Decimal("99.5"),
        achieved=Decimal("99.9") if met else Decimal("97.0"),
        met=met,
    )


def test_overview_lists_breaches_first(client_a, client_b):
    _result(client_a, met=True)
    _result(client_b, met=False)

    rows = slo.overview_for([client_a, client_b])

    assert [row["client"] for row in rows] == [client_b, client_a]
    assert rows[0]["breaches"] == 1
    assert rows[1]["met"] == 1


def test_sdm_panel_shows_assigned_clients(client, sdm_a, client_a, client_b):
    _result(client_a, met=False)
    _result(client_b, met=False)
    client.force_login(sdm_a)

    content = client.get(reverse("dashboard")).content.decode()

    assert "Service level objectives" in content
    assert "Alpha Retail Ltd" in content
    assert "Bravo Secret Holdings" not in content


def _ticket_with_results(client, person, impact, outcomes, achieved_at):
    from servicedesk.models import SlaResult
    from servicedesk.services import open_ticket

    ticket = open_ticket(
        client, person, "question", "Question", "Details.", impact, impact
    )
    for target, met in outcomes:
        SlaResult.objects.create(
            ticket=ticket,
            target=target,
            target_minutes=60,
            measure="business",
            elapsed_minutes=30 if met else 90,
            achieved_at=achieved_at,
            met=met,
        )
    return ticket


def test_ticket_slas_per_priority(client_a, client_user_a):
    inside = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    outside = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    for met in (True, True, False):
        _ticket_with_results(
            client_a, client_user_a, "high", [("first_response", met)], inside
        )
    _ticket_with_results(
        client_a,
        client_user_a,
        "low",
        [("first_response", True), ("resolution", True)],
        inside,
    )
    _ticket_with_results(
        client_a, client_user_a, "low", [("resolution", False)], outside
    )

    assert slo.compute_ticket_slas(client_a, NOVEMBER) == 3

    p1 = SloResult.objects.get(kind=SloKind.TICKET_FIRST_RESPONSE, subject="P1")
    assert p1.achieved == Decimal("66.667")
    assert p1.met is False
    assert p1.details == {"tickets": 3, "met": 2}
    p4 = SloResult.objects.get(kind=SloKind.TICKET_RESOLUTION, subject="P4")
    assert p4.achieved == Decimal("100.000")
    assert p4.met is True
    assert p4.details == {"tickets": 1, "met": 1}


def test_catalogue_fulfilment_share(client_a, client_user_a):
    from catalogue.models import CatalogueItem, CatalogueRequest
    from servicedesk.services import open_ticket

    item = CatalogueItem.objects.create(
        code="status-report",
        name="Status report",
        service="ssl_certificates",
        target_value=2,
        target_unit="business_days",
    )
    for sequence, fulfilment in enumerate(["met", "met", "met", "missed", "pending"]):
        ticket = open_ticket(client_a, client_user_a, "question", "Report", "Please.")
        CatalogueRequest.objects.create(
            client=client_a,
            item=item,
            requester=client_user_a,
            ticket=ticket,
            period=NOVEMBER,
            sequence=sequence + 1,
            currency="GBP",
            submitted_at=datetime(2026, 11, 3, tzinfo=UTC),
            due_at=datetime(2026, 11, 5, tzinfo=UTC),
            fulfilment=fulfilment,
        )

    assert slo.compute_catalogue_fulfilment(client_a, NOVEMBER) == 1

    result = SloResult.objects.get(kind=SloKind.CATALOGUE_FULFILMENT)
    assert result.achieved == Decimal("75.000")
    assert result.met is False
    assert result.details == {"met": 3, "missed": 1, "pending": 1}


def test_no_catalogue_requests_no_result(client_a):
    assert slo.compute_catalogue_fulfilment(client_a, NOVEMBER) == 0
    assert not SloResult.objects.exists()


def test_overview_counts_per_kind(client_a):
    _result(client_a, met=False)

    (row,) = slo.overview_for([client_a])

    availability = row["by_kind"][0]
    assert availability["kind"] == SloKind.DOMAIN_AVAILABILITY
    assert availability["measured"] == 1
    assert availability["breaches"] == 1
    assert all(column["measured"] == 0 for column in row["by_kind"][1:])


def test_sdm_panel_shows_breach_badge(client, sdm_a, client_a):
    _result(client_a, met=False)
    client.force_login(sdm_a)

    content = client.get(reverse("dashboard")).content.decode()

    assert '<span class="badge bad">1 of 1</span>' in content
    assert '<th scope="col">Ticket first response</th>' in content
