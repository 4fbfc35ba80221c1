"""Certificate list page and API, and the L1 ticket changelist, against floors."""

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.timing import Figure, compare
from bench.world import World

PAGE_TARGET = "within 2x floor, median under 100 ms"


def _getter(http: HttpClient, url: str):
    def get():
        response = http.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} returned HTTP {response.status_code}")
        return response

    return get


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def _page_figure(world, name, http, url, floor_url, budget) -> Figure:
    subject, floor = _getter(http, url), _getter(http, floor_url)
    stats, floor_stats = compare(subject, floor, budget)
    figure = Figure(
        "lists",
        name,
        stats,
        floor_stats,
        floor_name=f"plain query + plain template ({floor_url})",
        target=PAGE_TARGET,
        queries=_queries(subject),
    )
    figure.met = figure.ratio <= 2 and stats.median < 0.1
    figure.notes.append(f"GET {url}")
    return figure


def run(world: World) -> list[Figure]:
    budget = world.budget(repeats=30, seconds=60)
    client_http = HttpClient()
    client_http.force_login(world.client_user)
    page = reverse("certificates:certificate_list")
    api = reverse("api:certificate-list")
    figures = [
        _page_figure(
            world,
            "certificate list page, active, by expiry",
            client_http,
            f"{page}?status=active&sort=not_after",
            reverse("bench_floor_page"),
            budget,
        ),
        _page_figure(
            world,
            "certificate list API, active, by expiry",
            client_http,
            f"{api}?status=active&ordering=not_after",
            reverse("bench_floor_json"),
            budget,
        ),
    ]
    analyst_http = HttpClient()
    analyst_http.force_login(world.analyst)
    figures.append(
        _page_figure(
            world,
            "L1 ticket changelist, by SLA due time",
            analyst_http,
            reverse("admin:servicedesk_ticket_changelist"),
            reverse("bench_floor_tickets"),
            budget,
        )
    )
    return figures
