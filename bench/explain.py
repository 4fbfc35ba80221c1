"""Print the queries of the list pages with their EXPLAIN ANALYZE plans.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certportal_bench \\
        .venv/bin/python bench/explain.py [lists|changelist]

Shows where a page spends the time that its floor does not.
"""

import sys
import time

from run import setup


def show(http, url: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http.get(url)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        http.get(url)
        total = time.perf_counter() - started
    print(f"\n=== GET {url}: {total * 1000:.1f} ms, {len(captured)} queries")
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        took = plan.rsplit("Execution Time:", 1)[1].strip()
        print(f"\n--- {took}: {sql[:300]}")
        print(plan)


def main() -> None:
    setup("full")
    from django.test import Client as HttpClient
    from django.test.utils import override_settings
    from django.urls import reverse

    from bench.world import load

    world = load("full")
    pages = sys.argv[1:] or ["lists", "changelist"]
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        if "lists" in pages:
            http = HttpClient()
            http.force_login(world.client_user)
            page = reverse("certificates:certificate_list")
            show(http, f"{page}?status=active&sort=not_after")
            api = reverse("api:certificate-list")
            show(http, f"{api}?status=active&ordering=not_after")
        if "changelist" in pages:
            http = HttpClient()
            http.force_login(world.analyst)
            show(http, reverse("admin:servicedesk_ticket_changelist"))


if __name__ == "__main__":
    main()
