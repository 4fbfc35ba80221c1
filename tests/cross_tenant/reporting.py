"""Cross-tenant cases for the reporting app: stored reports and their files."""

from decimal import Decimal

from reporting.choices import SloKind
from reporting.models import SloResult
from tests.reporting.factories import PERIOD, stored_report


def build(client, client_admin) -> dict:
    slo_result = SloResult.objects.create(
        client=client,
        period=PERIOD,
        kind=SloKind.DOMAIN_AVAILABILITY,
        subject="https://www.example.com/",
        target=Decimal("99.5"),
        achieved=Decimal("98.0"),
        met=False,
    )
    return {"report": stored_report(client), "slo_result": slo_result}


def _report(objects) -> dict:
    return {"pk": objects["report"].pk}


def _download(objects) -> dict:
    return {"pk": objects["report"].pk, "file_format": "csv"}


URLS: dict = {
    "reporting:report_detail": _report,
    "reporting:report_status": _report,
    "reporting:report_download": _download,
    "api:report-detail": _report,
    "api:report-download": _download,
}
