"""Faults around ACME orders, against pebble: nonce rejection, reruns,
concurrent workers, External Account Binding, failed challenges, an
unreachable CA, revocation and renewal information."""

import ipaddress
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.db import connection

from audit.models import AuditAction, AuditEvent
from certificates.choices import CertificateStatus, CsrState
from certificates.models import Certificate
from issuance import services, tasks
from issuance.choices import OrderStatus, ProviderKind
from issuance.models import Authorization, Order, Provider
from tests.certificates_factories import test_ca
from tests.issuance.conftest import make_acme_provider, make_csr
from tests.issuance.pebble import EAB_KEY_ID
from tests.services import free_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _issue(client, provider, name):
    csr = make_csr(client, [name])
    order = services.start_order(csr, provider)
    order.refresh_from_db()
    return order


def test_orders_complete_despite_nonce_rejection(acme_provider, client_a):
    # pebble rejects a share of valid nonces by default (PEBBLE_WFE_NONCEREJECT).
    orders = [
        _issue(client_a, acme_provider, f"n{number}.alpha.test") for number in range(6)
    ]

    assert [order.status for order in orders] == [OrderStatus.ISSUED] * 6
    assert Certificate.objects.filter(client=client_a).count() == 6


def test_tasks_rerun_create_nothing(acme_provider, client_a):
    order = _issue(client_a, acme_provider, "rerun.alpha.test")
    order_url = order.order_url

    for task in (tasks.submit_order, tasks.answer_challenges, tasks.poll_order):
        task.delay(order.pk)
    tasks.finalize_order.delay(order.pk)

    order.refresh_from_db()
    assert order.order_url == order_url
    assert Order.objects.count() == 1
    assert Authorization.objects.count() == 1
    assert Certificate.objects.count() == 1


def test_second_order_for_csr_rejected(acme_provider, client_a):
    order = _issue(client_a, acme_provider, "twice.alpha.test")
    csr = order.csr
    csr.state = CsrState.APPROVED  # as if someone approved it again

    with pytest.raises(ValidationError) as raised:
        services.start_order(csr, acme_provider)

    assert raised.value.message_dict["csr"] == [
        "CSR twice.alpha.test already has an open order. Open that order "
        "instead, or cancel it before ordering again."
    ]
    assert Order.objects.count() == 1


def _in_threads(function, *args, count=2):
    """Run `function` in `count` threads at once, each with its own database
    connection, as two workers would; return the errors raised."""
    errors = []

    def run():
        try:
            function(*args)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_submission_one_order(postgresql, acme_provider, client_a):
    csr = make_csr(client_a, ["race.alpha.test"])
    # Created without start_order, so no task runs before the two workers.
    order = Order.objects.create(
        client=client_a, provider=acme_provider, csr=csr, status=OrderStatus.PENDING
    )

    errors = _in_threads(tasks.submit_order.delay, order.pk)

    order.refresh_from_db()
    assert errors == []
    assert order.status == OrderStatus.ISSUED, order.error_message
    assert Authorization.objects.filter(order=order).count() == 1
    assert Certificate.objects.count() == 1


def test_concurrent_finalize_one_certificate(postgresql, acme_provider, client_a):
    order = _issue(client_a, acme_provider, "final.alpha.test")
    # A worker died after storing the certificate but before closing the order.
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.FINALIZING, certificate=None
    )

    errors = _in_threads(tasks.finalize_order.delay, order.pk)

    order.refresh_from_db()
    assert errors == []
    assert order.status == OrderStatus.ISSUED
    assert Certificate.objects.count() == 1
    assert order.certificate == Certificate.objects.get()


def test_eab_given_issues(eab_provider, client_a):
    order = _issue(client_a, eab_provider, "eab.alpha.test")

    assert order.status == OrderStatus.ISSUED, order.error_message
    eab_provider.refresh_from_db()
    assert eab_provider.account_url.startswith("https://127.0.0.1:")


def test_eab_wrong_key_fails_clearly(pebble_eab, challenge_hosts, client_a):
    provider = Provider(
        name="Pebble wrong EAB",
        kind=ProviderKind.ACME,
        directory_url=pebble_eab.directory_url,
        ca_bundle_path=pebble_eab.ca_bundle,
        eab_key_id=EAB_KEY_ID,
    )
    provider.set_eab_hmac_key(
        "b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5"
    )
    provider.save()

    order = _issue(client_a, provider, "wrong-eab.alpha.test")

    assert order.status == OrderStatus.FAILED
    assert order.error_message.startswith("Registering the ACME account: ")
    assert "unauthorized" in order.error_message
    provider.refresh_from_db()
    assert provider.account_url == ""


def test_eab_missing_fails_clearly(pebble_eab, challenge_hosts, client_a):
    provider = make_acme_provider(pebble_eab, name="Pebble no EAB")

    order = _issue(client_a, provider, "no-eab.alpha.test")

    assert order.status == OrderStatus.FAILED
    assert order.error_message == (
        "Registering the ACME account: the CA requires External Account "
        "Binding. Enter the EAB key id and HMAC key from the CA on the provider."
    )


def test_failed_challenge_fails_order(pebble, client_a, transactional_db):
    # Without the challenge_hosts fixture the portal rejects the CA's Host
    # header, so validation fails as it would for a name not pointing here.
    provider = make_acme_provider(pebble, name="Pebble unreachable portal")

    order = _issue(client_a, provider, "nohost.alpha.test")

    assert order.status == OrderStatus.FAILED
    assert order.error_message.startswith(
        "The CA could not validate nohost.alpha.test: "
    )
    assert order.error_message.endswith("(unauthorized)")
    challenge = order.authorizations.get().challenges.get(type="http-01")
    assert challenge.status == "invalid"
    assert order.csr.state == CsrState.APPROVED
    assert Certificate.objects.count() == 0


def test_unreachable_ca_fails_after_retries(client_a, transactional_db):
    port = free_port()  # nothing listens there
    provider = Provider.objects.create(
        name="Offline CA",
        kind=ProviderKind.ACME,
        directory_url=f"https://127.0.0.1:{port}/dir",
    )

    order = _issue(client_a, provider, "offline.alpha.test")

    assert order.status == OrderStatus.FAILED
    assert order.error_message.startswith(
        "Registering the ACME account: the CA could not be reached"
    )
    assert order.error_message.endswith(
        "Gave up after 9 attempts; start a new order when the CA is reachable again."
    )


def test_revoke_with_reason(acme_provider, client_a, analyst):
    order = _issue(client_a, acme_provider, "revoke.alpha.test")

    services.revoke_certificate(order.certificate, 4, actor=analyst)

    certificate = Certificate.objects.get(pk=order.certificate_id)
    assert certificate.status == CertificateStatus.REVOKED
    event = AuditEvent.objects.get(action=AuditAction.CERTIFICATE_REVOKED)
    assert event.object_id == str(certificate.pk)
    assert event.detail == {"reason": 4}
    assert event.actor == analyst


def test_revoke_twice_rejected(acme_provider, client_a):
    order = _issue(client_a, acme_provider, "revoke2.alpha.test")
    services.revoke_certificate(order.certificate, 0)

    with pytest.raises(ValidationError) as raised:
        services.revoke_certificate(Certificate.objects.get(pk=order.certificate_id), 0)

    assert raised.value.message_dict["certificate"] == [
        "Certificate revoke2.alpha.test is already revoked."
    ]


def test_renewal_info_absent_in_pebble(acme_provider, client_a):
    # Debian's pebble 2.4 has no renewalInfo resource in its directory.
    order = _issue(client_a, acme_provider, "ari.alpha.test")

    assert services.fetch_renewal_info(order.certificate_id) is False
    certificate = Certificate.objects.get(pk=order.certificate_id)
    assert certificate.renewal_window_start is None


class _Unavailable(BaseHTTPRequestHandler):
    """An ACME directory that answers every request with 503, as a CA in trouble."""

    body = b""
    content_type = "text/html"

    def do_GET(self):
        body = self.body
        self.send_response(503)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET
    do_POST = do_GET

    def log_message(self, *args):
        pass


def _tls_server_for_loopback(tmp_path, handler):
    """An HTTPS server on 127.0.0.1 whose certificate the test CA signed."""
    ca_certificate, ca_key = test_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = tmp_path / "server.pem"
    chain.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(ca_certificate.public_bytes(serialization.Encoding.PEM))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, str(bundle)


PROBLEM = b'{"type": "urn:ietf:params:acme:error:serverInternal"}'


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (
            PROBLEM,
            "application/problem+json",
            "The server experienced an internal error (serverInternal)",
        ),
        (b"<h1>Service Unavailable</h1>", "text/html", "the CA returned HTTP 503"),
    ],
)
def test_ca_5xx_retried_then_failed(
    client_a, transactional_db, tmp_path, body, content_type, message
):
    handler = type(
        "Handler", (_Unavailable,), {"body": body, "content_type": content_type}
    )
    server, bundle = _tls_server_for_loopback(tmp_path, handler)
    try:
        provider = Provider.objects.create(
            name="Failing CA",
            kind=ProviderKind.ACME,
            directory_url=f"https://127.0.0.1:{server.server_port}/dir",
            ca_bundle_path=bundle,
        )
        order = _issue(client_a, provider, "busy.alpha.test")
    finally:
        server.shutdown()

    assert order.status == OrderStatus.FAILED
    assert message in order.error_message
    assert order.error_message.endswith(
        "Gave up after 9 attempts; start a new order when the CA is reachable again."
    )
    assert Certificate.objects.count() == 0


def test_ca_timeout_retried_then_failed(client_a, transactional_db, monkeypatch):
    # A listening socket that never answers: the TLS handshake times out.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    monkeypatch.setattr("issuance.ca_client.NETWORK_TIMEOUT_SECONDS", 0.5)
    try:
        provider = Provider.objects.create(
            name="Silent CA",
            kind=ProviderKind.ACME,
            directory_url=f"https://127.0.0.1:{silent.getsockname()[1]}/dir",
        )
        order = _issue(client_a, provider, "slow.alpha.test")
    finally:
        silent.close()

    assert order.status == OrderStatus.FAILED
    assert order.error_message.startswith("Registering the ACME account: ")
    assert order.error_message.endswith(
        "Gave up after 9 attempts; start a new order when the CA is reachable again."
    )
