"""Fixtures of the browser tests: Chromium, sign-in, artifacts and nginx."""

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

# The pebble fixtures start pebble with the live server as its HTTP-01 target.
from tests.issuance.conftest import challenge_hosts, pebble  # noqa: F401
from tests.monitoring.servers import NGINX, NGINX_CONFIG, _wait_for_port, free_port

CHROMIUM = "/usr/bin/chromium"
# Flags that turn off Chromium's own background traffic (component updates, sync,
# metrics), because the tests must reach nothing beyond 127.0.0.1.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--metrics-recording-only",
]
# Upper bound of one browser wait, in milliseconds. It only ends a hung test.
BROWSER_WAIT_MS = 60000
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "e2e"

# pytest-django's live server binds "localhost" unless configured otherwise. The live
# server is shared by the whole session, so this also covers the issuance tests.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


@pytest.fixture
def chromium(require_service) -> Iterator:
    """A headless Debian Chromium driven by Playwright's sync API."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("Playwright", "the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} does not exist; apt install chromium")
    # Playwright's sync API runs an event loop in the test thread, and Django
    # rejects ORM calls from a thread with a running loop unless this is set.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def artifacts(request) -> Iterator[Path]:
    """artifacts/e2e/<test name>/, emptied first so old files never mislead.

    The portal's log records (live server and test process) go to portal.log
    there while the test runs.
    """
    directory = ARTIFACTS / request.node.name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    handler = logging.FileHandler(directory / "portal.log")
    handler.setLevel(logging.INFO)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield directory
    finally:
        root.removeHandler(handler)
        handler.close()


def sign_in(browser, base_url: str, username: str, password: str):
    """Sign `username` in through the form in a new context and return the page."""
    context = browser.new_context(accept_downloads=True, base_url=base_url)
    context.set_default_timeout(BROWSER_WAIT_MS)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


@dataclass
class Nginx:
    """Debian's nginx serving one TLS site on 127.0.0.1, as a client runs it."""

    root: Path
    port: int
    process: subprocess.Popen

    def install(self, fullchain: bytes, private_key: bytes) -> None:
        """Put the files in place and reload, as the client's engineer would."""
        (self.root / "fullchain.pem").write_bytes(fullchain)
        (self.root / "privkey.pem").write_bytes(private_key)
        os.chmod(self.root / "privkey.pem", 0o600)
        self.process.send_signal(signal.SIGHUP)

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def nginx(require_service) -> Iterator:
    """Return a function that starts nginx with a first certificate and key."""
    if not os.access(NGINX, os.X_OK):
        require_service("nginx", f"{NGINX} is not installed; apt install nginx-light")
    started: list[Nginx] = []

    def start(fullchain: bytes, private_key: bytes, server_name: str) -> Nginx:
        root = Path(tempfile.mkdtemp(prefix="certportal-e2e-nginx-"))
        port = free_port()
        config = NGINX_CONFIG.format(root=root, port=port, server_name=server_name)
        if os.geteuid() == 0:
            config = "user root;\n" + config
        (root / "nginx.conf").write_text(config)
        server = Nginx(root, port, None)
        (root / "fullchain.pem").write_bytes(fullchain)
        (root / "privkey.pem").write_bytes(private_key)
        server.process = subprocess.Popen(
            [NGINX, "-p", str(root), "-c", str(root / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(server)
        _wait_for_port(port, server.process, root)
        return server

    yield start
    for server in started:
        server.process.terminate()
        server.process.wait(timeout=10)
        shutil.rmtree(server.root, ignore_errors=True)
