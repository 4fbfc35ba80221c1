"""The whole certificate lifecycle, driven in Chromium against real components.

PostgreSQL, Redis, a Celery worker and beat, Debian's pebble (validating HTTP-01
against the live portal) and nginx all run for real. Every step saves a screenshot to
artifacts/e2e/<test>/, and a failing step also saves the page's HTML and the
worker's log there.
"""

import io
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import zipfile
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings as django_settings
from django.utils import timezone

from certificates.choices import CsrState
from certificates.models import CertificateSigningRequest, Endpoint
from issuance.choices import Coverage, OrderStatus, ValidationLevel
from issuance.models import Order, Product, Quote
from monitoring.choices import InstallationStatus, VerificationOutcome
from monitoring.expiry import tracked_certificates
from monitoring.models import InstallationTask, VerificationResult
from reporting.models import Report
from servicedesk.models import Ticket
from tests.conftest import PASSWORD
from tests.e2e.conftest import BROWSER_WAIT_MS, sign_in
from tests.issuance.conftest import make_acme_provider

# Upper bound of a wait on the worker or the CA, in seconds. It only ends a hung
# test: each wait polls and returns as soon as its condition holds.
WORKER_WAIT_SECONDS = 180
NAMES = ["shop.test", "www.shop.test", "pay.shop.test"]


@pytest.fixture
def pebble_root_file(pebble, tmp_path) -> str:
    """pebble's root, which verification must trust like a private CA's root."""
    path = tmp_path / "pebble-root.pem"
    path.write_bytes(pebble.root_pem())
    return str(path)


@pytest.fixture
def celery_beat(celery_worker, redis_url, tmp_path):
    """Celery beat sending the periodic jobs to the test's worker.

    The expiry job runs every few seconds instead of daily, so the scenario sees
    beat, not the test, start it. Beat keeps its schedule in a file of its own.
    """
    log_path = tmp_path / "celery-beat.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certportal.settings",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": celery_worker.queue,
        "MONITORING_EXPIRY_CHECK_SECONDS": "5",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "PRIVATE_KEY_ENCRYPTION_KEYS": ",".join(
            django_settings.PRIVATE_KEY_ENCRYPTION_KEYS
        ),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "certportal",
        "beat",
        "--loglevel=INFO",
        f"--schedule={tmp_path / 'beat-schedule'}",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=django_settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def celery_worker_env(tmp_path, live_server, pebble_root_file) -> dict[str, str]:
    # The worker stores report files where the live server reads them, and
    # verifies installations against pebble's root.
    return {
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PORTAL_BASE_URL": live_server.url,
        "VERIFICATION_EXTRA_ROOTS_FILE": pebble_root_file,
    }


@pytest.fixture
def portal_settings(settings, tmp_path, live_server, challenge_hosts, pebble_root_file):
    settings.VERIFICATION_EXTRA_ROOTS_FILE = pebble_root_file
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_BASE_URL = live_server.url
    settings.PROBE_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    return settings


class Steps:
    """Run named steps, with a screenshot after each and the evidence of a failure."""

    def __init__(self, directory, worker):
        self.directory = directory
        self.worker = worker
        self.count = 0
        # File name -> function returning a log that a failure should keep.
        self.logs = {"celery-worker.log": worker.log}

    @contextmanager
    def step(self, name: str, page):
        self.count += 1
        stem = f"{self.count:02d}-{name}"
        try:
            yield
        except BaseException:
            self._save_failure(stem, page)
            raise
        page.screenshot(path=self.directory / f"{stem}.png", full_page=True)

    def _save_failure(self, stem: str, page) -> None:
        try:
            (self.directory / f"{stem}-FAILED.html").write_text(page.content())
            page.screenshot(path=self.directory / f"{stem}-FAILED.png", full_page=True)
        except Exception as error:
            # The page may be gone, and the logs below are still worth saving.
            (self.directory / f"{stem}-FAILED.txt").write_text(repr(error))
        for name, read in self.logs.items():
            (self.directory / name).write_text(read())


def wait_until(condition, description: str):
    """Poll `condition` until it returns a true value, and fail after the bound."""
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out after {WORKER_WAIT_SECONDS} s waiting for {description}")


def self_signed(name: str) -> tuple[bytes, bytes]:
    """Return (certificate, key) PEM for nginx's first, placeholder site."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def served_fingerprint(port: int, server_name: str) -> str:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        with context.wrap_socket(sock, server_hostname=server_name) as tls:
            der = tls.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der).fingerprint(hashes.SHA256()).hex()


def next_month_clock(period: date):
    """Replace Django's clock with one running on the second day after `period`.

    The portal reports only months that have ended, and the certificate was
    issued this month. The browser, the live server and this test share the
    process, so all of them see the moved clock; the worker keeps the real one.
    """
    real_now = timezone.now
    following = (period + timedelta(days=31)).replace(day=2)
    offset = timedelta(days=(following - timezone.localdate()).days)
    return mock.patch("django.utils.timezone.now", lambda: real_now() + offset)


@pytest.fixture
def product(pebble, portal_settings):
    # Provider configuration, which the console's administrator sets up once.
    provider = make_acme_provider(pebble, name="Pebble")
    return Product.objects.create(
        provider=provider,
        name="Multi-domain DV",
        validation=ValidationLevel.DV,
        coverage=Coverage.MULTI_DOMAIN,
        names_included=3,
        price_per_extra_name=Decimal("10.00"),
        term_years=1,
        price=Decimal("120.00"),
        currency="GBP",
    )


@pytest.mark.browser
@pytest.mark.services
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_certificate_lifecycle(
    chromium,
    artifacts,
    nginx,
    celery_worker,
    celery_beat,
    live_server,
    product,
    client_a,
    client_user_a,
    client_admin_a,
    analyst,
    sdm_a,
    client_user_b,
):
    steps = Steps(artifacts, celery_worker)
    step = steps.step

    # 1. The client's user raises the request in the portal.
    client_page = sign_in(chromium, live_server.url, "ann.user", PASSWORD)
    with step("client-raises-request", client_page):
        client_page.goto("/tickets/new/")
        client_page.get_by_label("Category").select_option(label="Certificate request")
        client_page.get_by_label("Subject").fill("New certificate for shop.test")
        client_page.get_by_label("Description").fill(
            "Please issue one certificate for shop.test with the names "
            "www.shop.test and pay.shop.test."
        )
        client_page.get_by_label("Impact").select_option(label="Medium")
        client_page.get_by_label("Urgency").select_option(label="Medium")
        client_page.get_by_role("button", name="Raise the ticket").click()
        client_page.wait_for_url("**/tickets/*/")
        ticket = Ticket.objects.get(client=client_a)
        client_page.get_by_text("New certificate for shop.test").first.wait_for()

    # 2. The analyst triages in the console, generates the key and CSR, approves
    # the CSR, sends the quote and starts the order that waits for it.
    console = sign_in(chromium, live_server.url, "lee.analyst", PASSWORD)
    with step("analyst-triages", console):
        console.goto(f"/admin/servicedesk/ticket/{ticket.pk}/change/")
        console.locator("#id_priority").select_option("P2")
        console.locator("#id_priority_override_reason").fill(
            "The shop's launch date depends on this certificate."
        )
        console.locator("#id_assignee").select_option(str(analyst.pk))
        console.locator("input[name=_save]").click()
        console.wait_for_url("**/admin/servicedesk/ticket/")
        console.locator(".messagelist .success").wait_for()
        ticket.refresh_from_db()
        assert ticket.priority == "P2"
        assert ticket.assignee == analyst

    with step("analyst-generates-csr", console):
        console.goto("/certificates/csrs/generate/")
        console.get_by_label("Client").select_option(label=client_a.name)
        console.get_by_label("System").fill("web shop")
        console.get_by_label("Common name").fill(NAMES[0])
        console.get_by_label("Other names").fill("\n".join(NAMES[1:]))
        console.get_by_role("button", name="Generate key and CSR").click()
        console.wait_for_url("**/certificates/csrs/*/")
        csr = CertificateSigningRequest.objects.get(client=client_a)
        assert csr.private_key_id is not None
        assert sorted(csr.dns_names) == sorted(NAMES)

    with step("analyst-approves-csr", console):
        console.goto(f"/admin/certificates/certificatesigningrequest/{csr.pk}/change/")
        console.locator("#id_state").select_option(CsrState.APPROVED)
        console.locator("input[name=_save]").click()
        console.locator(".messagelist .success").wait_for()
        csr.refresh_from_db()
        assert csr.state == CsrState.APPROVED

    with step("analyst-sends-quote", console):
        console.goto("/admin/issuance/quote/add/")
        console.locator("#id_client").select_option(str(client_a.pk))
        console.locator("#id_product").select_option(str(product.pk))
        console.locator("#id_csr").select_option(str(csr.pk))
        console.locator("#id_name_count").fill(str(len(NAMES)))
        console.locator("#id_installations_per_certificate").fill("0")
        console.locator("#id_start_date").fill(date.today().isoformat())
        console.locator("input[name=_save]").click()
        console.locator(".messagelist .success").wait_for()
        quote = Quote.objects.get(csr=csr)

    with step("analyst-starts-order", console):
        console.goto("/admin/issuance/order/add/")
        console.locator("#id_csr").select_option(str(csr.pk))
        console.locator("#id_provider").select_option(str(product.provider_id))
        console.locator("#id_responder").select_option("portal")
        console.locator("#id_quote").select_option(str(quote.pk))
        console.locator("input[name=_save]").click()
        console.locator(".messagelist .success").wait_for()
        order = Order.objects.get(csr=csr)
        assert order.status == OrderStatus.AWAITING_QUOTE

    with step("client-accepts-quote", client_page):
        client_page.goto(f"/orders/quotes/{quote.pk}/")
        client_page.get_by_role("button", name="Accept the quote").click()
        client_page.get_by_text("You chose to accept the quote.").wait_for()

    # 3. The worker runs the order through pebble, which validates HTTP-01 on
    # the live portal. The certificate then appears in the client's inventory.
    with step("certificate-in-inventory", client_page):

        def order_closed():
            order.refresh_from_db()
            return order.status in (OrderStatus.ISSUED, OrderStatus.FAILED)

        wait_until(order_closed, f"order {order.pk} to be issued")
        assert order.status == OrderStatus.ISSUED, order.error_message
        certificate = order.certificate
        client_page.goto("/certificates/")
        client_page.get_by_role("link", name=NAMES[0]).first.click()
        client_page.wait_for_url(f"**/certificates/{certificate.pk}/")
        names = client_page.locator("tr", has_text="Names").locator("td").inner_text()
        chain = client_page.locator("h2:text-is('Chain') + ol li").all_inner_texts()
        assert names == ", ".join(NAMES)
        assert len(chain) == 1
        assert chain[0].startswith("CN=Pebble Intermediate CA")

    # 4. The client's engineer downloads the nginx bundle, installs it and
    # reloads nginx. Verification then marks the installation done.
    placeholder = self_signed(NAMES[0])
    server = nginx(*placeholder, server_name=NAMES[0])
    steps.logs["nginx-error.log"] = server.error_log
    engineer = sign_in(chromium, live_server.url, "amy.admin", PASSWORD)
    with step("engineer-adds-endpoint", engineer):
        engineer.goto("/certificates/endpoints/new/")
        engineer.locator("#id_hostname").fill("127.0.0.1")
        engineer.locator("#id_port").fill(str(server.port))
        engineer.locator("#id_sni_name").fill(NAMES[0])
        engineer.locator("#id_server_type").select_option("nginx")
        engineer.get_by_role("button", name="Save").click()
        engineer.wait_for_url(lambda url: "/new/" not in url)
        endpoint = Endpoint.objects.get(client=client_a)

    with step("engineer-downloads-bundle", engineer):
        engineer.goto(f"/monitoring/endpoints/{endpoint.pk}/")
        engineer.get_by_label("Certificate").select_option(str(certificate.pk))
        engineer.get_by_role("button", name="Open installation").click()
        engineer.wait_for_url("**/monitoring/installations/*/")
        task = InstallationTask.objects.get(endpoint=endpoint)
        with engineer.expect_download(timeout=BROWSER_WAIT_MS) as download_info:
            engineer.get_by_role("button", name="Download bundle").click()
        bundle = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
        assert sorted(bundle.namelist()) == [
            "INSTALL.txt",
            "fullchain.pem",
            "privkey.pem",
        ]

    with step("engineer-verifies-install", engineer):
        server.install(bundle.read("fullchain.pem"), bundle.read("privkey.pem"))
        wait_until(
            lambda: (
                served_fingerprint(server.port, NAMES[0])
                == certificate.fingerprint_sha256
            ),
            "nginx to serve the new certificate",
        )
        engineer.goto(f"/monitoring/endpoints/{endpoint.pk}/")
        engineer.get_by_role("button", name="Verify now").click()
        engineer.get_by_text("Verification of").first.wait_for()
        result = wait_until(
            lambda: VerificationResult.objects.filter(endpoint=endpoint).first(),
            f"the verification of endpoint {endpoint.pk}",
        )
        assert result.served_fingerprint_sha256 == certificate.fingerprint_sha256
        assert result.fingerprint_matches
        assert result.name_matches
        task.refresh_from_db()
        assert result.outcome == VerificationOutcome.MATCH
        assert task.status == InstallationStatus.DONE
        engineer.goto(f"/monitoring/installations/{task.pk}/")
        engineer.get_by_text("Installed and verified").first.wait_for()

    # 5. The daily expiry job picks the certificate up. Next month the SDM
    # generates the monthly report and downloads its PDF and XLSX.
    with step("expiry-tracks-certificate", client_page):
        # Beat sends the expiry job every few seconds in this test (daily in
        # production). Wait for a run that started after the certificate existed.
        done = "task succeeded name=monitoring.check_expiry"
        runs_before = celery_worker.log().count(done)
        wait_until(
            lambda: celery_worker.log().count(done) > runs_before,
            "Celery beat to run the expiry job on the worker",
        )
        # A certificate is tracked once it is within the largest notice threshold.
        inside_horizon = certificate.not_after - timedelta(days=30)
        assert certificate in tracked_certificates(inside_horizon)
        client_page.goto(f"/certificates/{certificate.pk}/")

    month = timezone.localdate().replace(day=1)
    with next_month_clock(month):
        sdm = sign_in(chromium, live_server.url, "sam.sdm", PASSWORD)
        with step("sdm-downloads-report", sdm):
            sdm.goto("/reports/")
            sdm.locator("#id_client").select_option(str(client_a.pk))
            sdm.locator("#id_period").fill(month.strftime("%Y-%m"))
            sdm.get_by_role("button", name="Generate report").click()
            sdm.wait_for_url("**/reports/*/")
            pdf_link = sdm.get_by_role("link", name="Download PDF")
            pdf_link.wait_for(timeout=WORKER_WAIT_SECONDS * 1000)
            with sdm.expect_download() as pdf_info:
                pdf_link.click()
            with sdm.expect_download() as xlsx_info:
                sdm.get_by_role("link", name="Download Excel workbook").click()
            pdf = pdf_info.value.path().read_bytes()
            xlsx = zipfile.ZipFile(io.BytesIO(xlsx_info.value.path().read_bytes()))
            sheets = b"".join(
                xlsx.read(name) for name in xlsx.namelist() if name.startswith("xl/")
            )
            report = Report.objects.get(client=client_a)
            assert pdf.startswith(b"%PDF")
            assert NAMES[0].encode() in sheets
            assert report.row_count == 1

    # 6. The analyst resolves the ticket and the client confirms closure.
    with step("analyst-resolves", console):
        console.goto("/admin/servicedesk/ticket/")
        console.locator(f"input[name=_selected_action][value='{ticket.pk}']").check()
        console.locator("select[name=action]").select_option("resolve")
        console.locator("button[name=index]").click()
        console.get_by_label("Text").fill("Certificate issued and installed.")
        console.get_by_role("button", name="Apply").click()
        console.locator(".messagelist li", has_text="Resolved: 1 ticket(s).").wait_for()

    with step("client-confirms-closure", client_page):
        client_page.goto(f"/tickets/{ticket.pk}/")
        client_page.get_by_role("button", name="Yes, close the ticket").click()
        client_page.wait_for_url(f"**/tickets/{ticket.pk}/")
        ticket.refresh_from_db()
        assert ticket.status == "closed"

    # The second client's user sees none of it, on lists or by guessing URLs.
    outsider = sign_in(chromium, live_server.url, "bob.user", PASSWORD)
    with step("other-client-sees-nothing", outsider):
        for path in ["/tickets/", "/certificates/", "/orders/", "/orders/quotes/"]:
            outsider.goto(path)
            assert NAMES[0] not in outsider.content(), path

        guessed = [
            f"/tickets/{ticket.pk}/",
            f"/certificates/{certificate.pk}/",
            f"/certificates/csrs/{csr.pk}/",
            f"/orders/{order.pk}/",
            f"/orders/quotes/{quote.pk}/",
            f"/monitoring/endpoints/{endpoint.pk}/",
            f"/monitoring/installations/{task.pk}/",
            f"/reports/{report.pk}/",
        ]
        for path in guessed:
            response = outsider.goto(path)
            # A role without report access gets 403 before the tenancy check.
            assert response.status in (403, 404), path
            assert NAMES[0] not in outsider.content(), path
