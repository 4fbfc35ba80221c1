"""Context builders of the reporting dashboard panels."""

from accounts.models import Client
from accounts.tenancy import scope
from reporting import slo
from reporting.models import Report

PANEL_REPORTS = 5
PANEL_CLIENTS = 50


def latest_reports(request) -> dict:
    reports = (
        scope(Report.objects.all(), request.user)
        .select_related("client")
        .order_by("-period", "client__name")[:PANEL_REPORTS]
    )
    return {"reports": list(reports)}


def slo_overview(request) -> dict:
    clients = list(scope(Client.objects.order_by("name"), request.user)[:PANEL_CLIENTS])
    return {"slo_rows": slo.overview_for(clients)}
