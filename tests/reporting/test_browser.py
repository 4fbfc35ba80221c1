"""The progress page in Chromium: it polls the status and offers the downloads."""

import threading
from datetime import date
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from reporting import services
from reporting.models import Report
from tests.reporting.factories import PERIOD, add_certificates, at

CHROMIUM = "/usr/bin/chromium"
# Upper bound for one browser wait, in milliseconds; it only ends a hung test.
BROWSER_WAIT_MS = 20000


class _SilentHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def portal_url(transactional_db):
    """The portal with its static files, served on a free port of 127.0.0.1."""
    server = make_server(
        "127.0.0.1",
        0,
        StaticFilesHandler(get_wsgi_application()),
        handler_class=_SilentHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def sync_playwright(require_service):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("Playwright", "the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} does not exist")
    return sync_playwright


def _generate(report_id: int) -> None:
    try:
        services.generate_report(report_id)
    finally:
        connections.close_all()


@pytest.mark.services
@pytest.mark.browser
def test_progress_page_offers_downloads(
    portal_url, sync_playwright, client, client_admin_a, client_a
):
    add_certificates(client_a, 5, at(date(2025, 3, 20)))
    report = Report.objects.create(client=client_a, kind="ssl_monthly", period=PERIOD)
    client.force_login(client_admin_a)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    violations = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(accept_downloads=True)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": portal_url,
                }
            ]
        )
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and violations.append(message.text)
            ),
        )
        page.goto(portal_url + reverse("reporting:report_detail", args=[report.pk]))
        waiting = page.locator("#report-state").inner_text()

        # Playwright's sync API runs an event loop in this thread, where Django
        # refuses database calls, so the run goes to a thread of its own.
        run = threading.Thread(target=_generate, args=[report.pk])
        run.start()
        run.join()

        link = page.get_by_role("link", name="Download CSV")
        link.wait_for(timeout=BROWSER_WAIT_MS)
        state = page.locator("#report-state").inner_text()
        progress = page.locator("#report-progress-bar").get_attribute("value")
        with page.expect_download(timeout=BROWSER_WAIT_MS) as download_info:
            link.click()
        download = download_info.value
        filename = download.suggested_filename
        content = Path(download.path()).read_bytes()
        browser.close()

    assert waiting == "Waiting for a worker"
    assert state == "Ready"
    assert progress == "100"
    assert filename == "alpha-ssl_monthly-2025-03.csv"
    assert content.startswith(b"Common name,")
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_DOWNLOADED).count() == 1
    assert violations == []
