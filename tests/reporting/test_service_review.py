"""The monthly service review report of clients with the SDM option."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from reportlab.platypus import Table

from catalogue.models import Subscription
from governance.models import IncidentReport
from reporting import service_review, services
from reporting.choices import ReportKind, ReportState, SloKind
from reporting.models import Report, SloResult
from servicedesk.services import open_ticket

NOVEMBER = date(2026, 11, 1)
IN_NOVEMBER = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def sdm_client(client_a):
    Subscription.objects.create(
        client=client_a, service="service_delivery_manager", starts_on=date(2026, 1, 1)
    )
    return client_a


def _month_of_service(client, person):
    p1 = open_ticket(
        client,
        person,
        "incident",
        "Shop down",
        "Expired.",
        "high",
        "high",
        now=IN_NOVEMBER,
    )
    open_ticket(
        client, person, "question", "How?", "Tell me.", "low", "low", now=IN_NOVEMBER
    )
    # Opening the P1 created its draft incident report; it is published here.
    IncidentReport.objects.filter(ticket=p1).update(
        title="Shop outage", state="published"
    )
    SloResult.objects.create(
        client=client,
        period=NOVEMBER,
        kind=SloKind.DOMAIN_AVAILABILITY,
        subject="https://shop.example.com/",
        target=Decimal("99.5"),
        achieved=Decimal("98.2"),
        met=False,
    )
    return p1


def test_sdm_option_from_subscription(client_a, sdm_client):
    assert service_review.has_sdm_option(client_a, NOVEMBER) is True


def test_no_sdm_option_without_subscription(client_b):
    assert service_review.has_sdm_option(client_b, NOVEMBER) is False


def test_ended_subscription_not_counted(client_b):
    Subscription.objects.create(
        client=client_b,
        service="service_delivery_manager",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 10, 31),
    )
    assert service_review.has_sdm_option(client_b, NOVEMBER) is False


def test_review_rejected_without_option(client_b):
    with pytest.raises(ValidationError) as caught:
        services.request_report(client_b, NOVEMBER, kind=ReportKind.SERVICE_REVIEW)
    assert caught.value.error_dict["kind"][0].code == "no_sdm_option"
    assert caught.value.message_dict["kind"] == [
        "Bravo Secret Holdings had no Service Delivery Manager subscription in "
        "2026-11, so it has no service review report. Choose the monthly SSL "
        "certificate report instead."
    ]
    assert not Report.objects.exists()


def test_review_form_shows_kind_error(client, client_admin_b):
    client.force_login(client_admin_b)
    response = client.post(
        reverse("reporting:report_list"),
        {
            "client": client_admin_b.client_id,
            "kind": "service_review",
            "period": "2026-11",
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["kind"]


def test_review_collects_month(sdm_client, client_user_a):
    p1 = _month_of_service(sdm_client, client_user_a)

    review = service_review.collect(sdm_client, NOVEMBER)

    assert review.opened_by_priority == {"P1": 1, "P4": 1}
    assert review.opened_by_category == {"incident": 1, "question": 1}
    assert review.incidents[0]["reference"] == p1.reference
    assert review.incidents[0]["report_url"].endswith(
        reverse("governance:report_detail", kwargs={"pk": p1.incident_report.pk})
    )
    assert [r.subject for r in review.slo_results] == ["https://shop.example.com/"]


def test_review_pdf_story_tables(sdm_client, client_user_a):
    _month_of_service(sdm_client, client_user_a)
    story = service_review.pdf_story(service_review.collect(sdm_client, NOVEMBER))

    tables = [item._cellvalues for item in story if isinstance(item, Table)]
    assert tables[0][1] == ["P1", "1", "0"]
    assert tables[2][1] == [
        "Domain availability",
        "https://shop.example.com/",
        "99.5",
        "98.2",
        "Breached",
    ]


def test_review_generated_as_xlsx_and_pdf(sdm_client, client_user_a, run_on_commit):
    _month_of_service(sdm_client, client_user_a)
    with run_on_commit():
        report = services.request_report(
            sdm_client, NOVEMBER, kind=ReportKind.SERVICE_REVIEW
        )
    report.refresh_from_db()

    assert report.state == ReportState.DONE
    assert sorted(report.files.values_list("format", flat=True)) == ["pdf", "xlsx"]
    assert report.summary == {
        "tickets_opened": 2,
        "tickets_closed": 0,
        "slo_breaches": 1,
        "p1_incidents": 1,
    }
    with report.files.get(format="xlsx").file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    assert workbook.sheetnames == [
        "Tickets",
        "SLOs",
        "Catalogue",
        "Domains",
        "P1 incidents",
        "Charts",
    ]
    assert workbook["SLOs"]["E2"].value == "Breached"
    assert len(workbook["Charts"]._images) == 2
    with report.files.get(format="pdf").file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")


def test_due_reports_include_review(sdm_client, run_on_commit):
    from accounts.models import Client

    Client.objects.filter(pk=sdm_client.pk).update(
        created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    with run_on_commit():
        queued = services.generate_due_reports(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))

    assert queued == 2
    kinds = set(Report.objects.values_list("kind", flat=True))
    assert kinds == {ReportKind.SSL_MONTHLY, ReportKind.SERVICE_REVIEW}


def test_review_detail_shows_summary(client, sdm_a, sdm_client, run_on_commit):
    with run_on_commit():
        report = services.request_report(
            sdm_client, NOVEMBER, kind=ReportKind.SERVICE_REVIEW
        )
    client.force_login(sdm_a)

    content = client.get(reverse("reporting:report_detail", args=[report.pk]))

    assert '<th scope="row">SLO breaches</th><td>0</td>' in content.content.decode()


def test_api_rejects_review_without_option(client, client_admin_b, client_b):
    client.force_login(client_admin_b)
    response = client.post(
        reverse("api:report-list"),
        {"client": client_b.pk, "period": "2026-11", "kind": "service_review"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "kind": [
            "Bravo Secret Holdings had no Service Delivery Manager subscription in "
            "2026-11, so it has no service review report. Choose the monthly SSL "
            "certificate report instead."
        ]
    }


def test_review_unpublished_report_not_linked(sdm_client, client_user_a):
    p1 = _month_of_service(sdm_client, client_user_a)
    IncidentReport.objects.filter(ticket=p1).update(state="draft")
    review = service_review.collect(sdm_client, NOVEMBER)
    assert review.incidents[0]["report_url"] == ""


def test_review_catalogue_and_domains(sdm_client, client_user_a):
    from catalogue.models import CatalogueItem, CatalogueRequest
    from monitoring.models import DomainCheck, MonitoredDomain

    _month_of_service(sdm_client, client_user_a)
    item = CatalogueItem.objects.get(code="ssl-certificate-status")
    for sequence, (chargeable, fulfilment) in enumerate(
        [(False, "met"), (True, "missed")], start=1
    ):
        ticket = open_ticket(
            sdm_client,
            client_user_a,
            "question",
            "Status",
            "Which?",
            "low",
            "low",
            now=IN_NOVEMBER,
        )
        CatalogueRequest.objects.create(
            client=sdm_client,
            item=item,
            requester=client_user_a,
            ticket=ticket,
            period=NOVEMBER,
            sequence=sequence,
            chargeable=chargeable,
            currency="GBP",
            submitted_at=IN_NOVEMBER,
            due_at=IN_NOVEMBER,
            fulfilment=fulfilment,
        )
    domain = MonitoredDomain.objects.create(
        client=sdm_client, target="https://shop.example.com:443/"
    )
    for number in range(10):
        DomainCheck.objects.create(
            domain=domain,
            checked_at=IN_NOVEMBER,
            succeeded=number != 0,
            total_ms=120 if number else None,
        )

    review = service_review.collect(sdm_client, NOVEMBER)

    assert review.catalogue == [["SSL Certificate Status", 2, 1, 1, 1, 1]]
    assert len(review.domains) == 1
    row = review.domains[0]
    assert row[1] == 10
    assert row[2] == 90.0
    assert row[3] == "Breached"
