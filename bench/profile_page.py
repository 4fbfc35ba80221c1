"""Profile one GET of a list page with cProfile and print the top functions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certportal_bench \\
        .venv/bin/python bench/profile_page.py lists|api|changelist
"""

import cProfile
import pstats
import sys

from run import setup

ROWS = 25


def main() -> None:
    setup("full")
    from django.test import Client as HttpClient
    from django.test.utils import override_settings
    from django.urls import reverse

    from bench.world import load

    world = load("full")
    page = sys.argv[1] if len(sys.argv) > 1 else "changelist"
    http = HttpClient()
    if page == "changelist":
        http.force_login(world.analyst)
        url = reverse("admin:servicedesk_ticket_changelist")
    elif page == "api":
        http.force_login(world.client_user)
        url = reverse("api:certificate-list") + "?status=active&ordering=not_after"
    else:
        http.force_login(world.client_user)
        url = reverse("certificates:certificate_list") + "?status=active&sort=not_after"
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        http.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            http.get(url)
        profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(ROWS)
    stats.sort_stats("tottime").print_stats(ROWS)


if __name__ == "__main__":
    main()
