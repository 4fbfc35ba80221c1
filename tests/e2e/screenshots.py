"""Take the screenshots of docs/walkthrough.md from the demo data.

Run from the repository root:

    .venv/bin/python -m tests.e2e.screenshots [--out docs/screenshots]

The script migrates a throwaway SQLite database, loads `manage.py seed_demo`
into it, serves the portal on a free port of 127.0.0.1 and signs each persona
in through a session cookie, because seed_demo gives people random passwords.
Tasks run in-process, and the development database under var/ is never touched.
Chromium is Debian's /usr/bin/chromium with its background networking off.
"""

import argparse
import io
import os
import sys
import tempfile
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

BASE_DIR = Path(__file__).resolve().parents[2]


def add_endpoint_and_open_installation(page) -> None:
    """Record an endpoint and open an installation, as a client admin does."""
    page.goto("/certificates/endpoints/new/")
    page.locator("#id_hostname").fill("shop.northwind.test")
    page.locator("#id_port").fill("443")
    page.locator("#id_server_type").select_option("nginx")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(lambda url: "/new/" not in url)
    page.goto("/monitoring/endpoints/")
    page.get_by_role("link", name="shop.northwind.test").first.click()
    page.wait_for_url("**/monitoring/endpoints/*/")
    options = page.locator("#id_certificate option").all()
    page.locator("#id_certificate").select_option(options[1].get_attribute("value"))
    page.get_by_role("button", name="Open installation").click()
    page.wait_for_url("**/monitoring/installations/*/")


def generate_last_month_report(page) -> None:
    """Ask for last month's SSL report of Northwind, as the SDM does."""
    from datetime import date, timedelta

    last_month = date.today().replace(day=1) - timedelta(days=1)
    page.goto("/reports/")
    page.locator("#id_client").select_option(label="Northwind Retail")
    page.locator("#id_period").fill(last_month.strftime("%Y-%m"))
    page.get_by_role("button", name="Generate report").click()
    page.wait_for_url("**/reports/*/")
    page.get_by_role("link", name="Download PDF").wait_for()


# Each shot: file name, demo username, and a path, the name of a demo object's
# page (see _objects), or a function that drives the page to the shot.
SHOTS = [
    ("01-client-dashboard", "northwind.user", "/"),
    ("02-client-raise-ticket", "northwind.user", "/tickets/new/"),
    ("03-client-tickets", "northwind.user", "/tickets/"),
    ("04-analyst-console-tickets", "l1.analyst", "/admin/servicedesk/ticket/"),
    ("05-analyst-ticket-triage", "l1.analyst", "ticket_change"),
    ("06-analyst-generate-csr", "l1.analyst", "/certificates/csrs/generate/"),
    ("07-analyst-add-quote", "l1.analyst", "/admin/issuance/quote/add/"),
    ("08-client-quote", "northwind.user", "quote_detail"),
    ("09-client-orders", "northwind.user", "/orders/"),
    ("10-client-certificates", "northwind.user", "/certificates/"),
    ("11-client-certificate-detail", "northwind.user", "certificate_detail"),
    ("12-admin-installation", "northwind.admin", add_endpoint_and_open_installation),
    ("13-client-expiring", "northwind.user", "/monitoring/expiring/"),
    ("14-sdm-reports", "service.manager", "/reports/"),
    ("15-sdm-report-detail", "service.manager", generate_last_month_report),
    ("16-client-ticket-detail", "northwind.user", "ticket_detail"),
]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _prepare_django(directory: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "certportal.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'demo.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(directory / "media")
    # An empty broker URL makes Celery run tasks in this process.
    os.environ["CELERY_BROKER_URL"] = ""
    # Demo tickets send mail, which is dropped instead of printed.
    os.environ["EMAIL_URL"] = "dummymail://"
    # Playwright's sync API runs an event loop in this thread, and Django
    # rejects ORM calls from such a thread unless this is set.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", stdout=io.StringIO())


def _objects(client_slug: str) -> dict[str, str]:
    """Return the paths of demo objects that the shots open, by shot target."""
    from django.urls import reverse

    from certificates.choices import CertificateStatus
    from certificates.models import Certificate
    from issuance.models import Quote
    from servicedesk.choices import Status
    from servicedesk.models import Ticket

    tickets = Ticket.objects.filter(client__slug=client_slug).order_by("pk")
    ticket = tickets.first()
    # The closure question shows only on a resolved ticket.
    resolved = tickets.filter(status=Status.RESOLVED).first() or ticket
    quote = Quote.objects.filter(client__slug=client_slug).order_by("pk").first()
    certificate = (
        Certificate.objects.filter(
            client__slug=client_slug, status=CertificateStatus.ACTIVE
        )
        .order_by("not_after")
        .first()
    )
    paths = {}
    if ticket:
        paths["ticket_detail"] = reverse(
            "servicedesk:ticket_detail", args=[resolved.pk]
        )
        paths["ticket_change"] = reverse(
            "admin:servicedesk_ticket_change", args=[ticket.pk]
        )
    if quote:
        paths["quote_detail"] = reverse("issuance:quote_detail", args=[quote.pk])
    if certificate:
        paths["certificate_detail"] = reverse(
            "certificates:certificate_detail", args=[certificate.pk]
        )
    return paths


def _session_cookie(username: str, url: str) -> dict:
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    browser_client = Client()
    browser_client.force_login(User.objects.get(username=username))
    value = browser_client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": url}


def _serve():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1",
        0,
        StaticFilesHandler(get_wsgi_application()),
        handler_class=_QuietHandler,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _open(page, path: str, username: str) -> None:
    response = page.goto(path)
    if response is None or response.status != 200:
        status = response.status if response else "no response"
        raise RuntimeError(f"{path} as {username} returned {status}")


def take_screenshots(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import BROWSER_WAIT_MS, CHROMIUM, CHROMIUM_ARGS

    paths = _objects("northwind")
    server = _serve()
    url = f"http://127.0.0.1:{server.server_port}"
    written = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            contexts = {}
            for name, username, target in SHOTS:
                path = target if callable(target) else paths.get(target, target)
                if not callable(path) and not path.startswith("/"):
                    print(f"skipped {name}: the demo data has no {target}")
                    continue
                if username not in contexts:
                    context = browser.new_context(
                        base_url=url, viewport={"width": 1280, "height": 900}
                    )
                    context.set_default_timeout(BROWSER_WAIT_MS)
                    context.add_cookies([_session_cookie(username, url)])
                    contexts[username] = context.new_page()
                page = contexts[username]
                if callable(path):
                    path(page)
                else:
                    _open(page, path, username)
                target_file = out / f"{name}.png"
                page.screenshot(path=target_file, full_page=False)
                written.append(target_file)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=BASE_DIR / "docs" / "screenshots",
        help="Directory for the PNG files (default: docs/screenshots).",
    )
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="certportal-screenshots-") as directory:
        _prepare_django(Path(directory))
        for path in take_screenshots(arguments.out):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
