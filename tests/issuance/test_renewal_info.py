"""ACME Renewal Information (RFC 9773) from a directory that offers it.

Debian's pebble 2.4 has no renewalInfo resource, so this test starts a small
HTTP server on 127.0.0.1 that serves a directory and one renewal window.
"""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certificates.models import Certificate
from certificates.services import store_certificate
from issuance import services
from issuance.choices import OrderStatus, ProviderKind
from issuance.models import Order, Provider
from tests import certificates_factories
from tests.issuance.conftest import make_csr

WINDOW = {
    "suggestedWindow": {
        "start": "2027-02-01T00:00:00Z",
        "end": "2027-02-03T00:00:00Z",
    }
}


class RenewalInfoHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/dir":
            body = {
                "newNonce": f"{base}/nonce",
                "newAccount": f"{base}/account",
                "newOrder": f"{base}/order",
                "revokeCert": f"{base}/revoke",
                "renewalInfo": f"{base}/ari",
            }
        elif self.path.startswith("/ari/"):
            self.server.requested.append(self.path)
            body = WINDOW
        else:
            self.send_error(404)
            return
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def ari_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RenewalInfoHandler)
    server.requested = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _leaf_with_key_id(csr) -> x509.Certificate:
    ca_certificate, ca_key = certificates_factories.test_ca()
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ari.test")]))
        .issuer_name(ca_certificate.subject)
        .public_key(x509.load_pem_x509_csr(csr.pem.encode()).public_key())
        .serial_number(0x1234)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=90))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def test_renewal_window_stored(ari_server, client_a):
    account_key = ec.generate_private_key(ec.SECP256R1())
    provider = Provider(
        name="ARI CA",
        kind=ProviderKind.ACME,
        directory_url=f"http://127.0.0.1:{ari_server.server_port}/dir",
        account_url=f"http://127.0.0.1:{ari_server.server_port}/account/1",
    )
    provider.set_account_key_pem(
        account_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    provider.save()
    csr = make_csr(client_a, ["ari.test"])
    certificate, _ = store_certificate(client_a, _leaf_with_key_id(csr), [])
    Order.objects.create(
        client=client_a,
        provider=provider,
        csr=csr,
        status=OrderStatus.ISSUED,
        certificate=certificate,
    )

    assert services.fetch_renewal_info(certificate.pk) is True

    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.renewal_window_start == datetime(2027, 2, 1, tzinfo=UTC)
    assert certificate.renewal_window_end == datetime(2027, 2, 3, tzinfo=UTC)
    assert len(ari_server.requested) == 1
    # The identifier is base64url(authority key id) "." base64url(serial).
    assert ari_server.requested[0].endswith(".EjQ")
