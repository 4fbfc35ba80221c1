"""The project's URLs plus the floor pages the list benchmarks compare against.

The floor pages render the same number of rows from a plain query with a plain
template, through the same middleware, so the ratio shows what the real views
add on top of Django itself.
"""

from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.template import Context, Template
from django.urls import path

from certificates.models import Certificate
from certportal.urls import urlpatterns as project_urlpatterns
from servicedesk.models import Ticket

PAGE_SIZE = 50
CHANGELIST_PAGE_SIZE = 100
CERTIFICATE_COLUMNS = (
    "pk",
    "common_name",
    "subject",
    "issuer_common_name",
    "not_after",
    "status",
    "purchased_through",
    "key_algorithm",
    "key_size",
)
TICKET_COLUMNS = ("pk", "subject", "client__name", "priority", "status", "due_at")

TABLE = Template(
    "<!doctype html><html lang='en'><title>floor</title><table>"
    "{% for row in rows %}<tr>{% for value in row.values %}<td>{{ value }}</td>"
    "{% endfor %}</tr>{% endfor %}</table></html>"
)


def certificate_rows(request):
    client_id = request.user.client_id
    queryset = Certificate.objects.filter(client_id=client_id, status="active")
    return queryset.order_by("not_after", "pk").values(*CERTIFICATE_COLUMNS)[:PAGE_SIZE]


def certificate_page(request):
    return HttpResponse(TABLE.render(Context({"rows": certificate_rows(request)})))


def certificate_json(request):
    return JsonResponse({"results": list(certificate_rows(request))})


def ticket_page(request):
    rows = Ticket.objects.order_by(
        F("due_at").asc(nulls_last=True), "created_at"
    ).values(*TICKET_COLUMNS)[:CHANGELIST_PAGE_SIZE]
    return HttpResponse(TABLE.render(Context({"rows": rows})))


urlpatterns = [
    path("bench-floor/certificates/", certificate_page, name="bench_floor_page"),
    path("bench-floor/certificates.json", certificate_json, name="bench_floor_json"),
    path("bench-floor/tickets/", ticket_page, name="bench_floor_tickets"),
    *project_urlpatterns,
]
