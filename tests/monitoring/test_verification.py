import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from certificates.choices import PurchasedThrough
from certificates.models import Endpoint
from monitoring.choices import InstallationStatus, NoticeKind, VerificationOutcome
from monitoring.installation import build_bundle, open_installation
from monitoring.models import DriftAlert, Notice
from monitoring.verification import (
    discover,
    parse_discovery_targets,
    verify_all,
    verify_endpoint,
)
from servicedesk.choices import Category
from tests.monitoring import pki, servers


def _endpoint(client, port, certificate=None, name="shop.example.com"):
    return Endpoint.objects.create(
        client=client,
        hostname="127.0.0.1",
        port=port,
        sni_name=name,
        certificate=certificate,
    )


def _full_chain(certificate, with_intermediate=True) -> bytes:
    chain = pki.pem(certificate)
    if with_intermediate:
        chain += pki.pem(pki.intermediate()[0])
    return chain


@pytest.fixture
def installed(client_a):
    return pki.store(client_a)


def test_nginx_bundle_verifies(client_a, installed, nginx_available):
    certificate, _ = installed
    endpoint = _endpoint(client_a, 1)
    task = open_installation(endpoint, certificate)
    bundle = build_bundle(task)
    files = zipfile.ZipFile(io.BytesIO(bundle.content))

    with servers.nginx_server(
        files.read("fullchain.pem"), files.read("privkey.pem"), "shop.example.com"
    ) as port:
        endpoint.port = port
        endpoint.save()
        result = verify_endpoint(endpoint, timeout=5)

    assert result.outcome == VerificationOutcome.MATCH
    assert result.fingerprint_matches
    assert result.chain_complete
    assert result.name_matches
    assert result.protocol in ("TLSv1.2", "TLSv1.3")
    assert result.days_left == 59
    task.refresh_from_db()
    assert task.status == InstallationStatus.DONE
    endpoint.refresh_from_db()
    assert endpoint.certificate == certificate


def test_swap_caught_once(client_a, installed):
    certificate, key = installed
    other, other_key = pki.leaf("shop.example.com")
    chain = _full_chain(pki.leaf_of(certificate))
    with servers.tls_server(chain, pki.key_pem(key)) as port:
        endpoint = _endpoint(client_a, port, certificate)
        assert verify_endpoint(endpoint, timeout=5).passed
    with servers.tls_server(_full_chain(other), pki.key_pem(other_key)) as port:
        endpoint.port = port
        endpoint.save()
        first = verify_endpoint(endpoint, timeout=5)
        second = verify_endpoint(endpoint, timeout=5)

    assert first.outcome == VerificationOutcome.OTHER_CERTIFICATE
    assert second.outcome == VerificationOutcome.OTHER_CERTIFICATE
    assert not first.fingerprint_matches
    assert DriftAlert.objects.filter(endpoint=endpoint).count() == 1


def test_different_certificate(client_a, installed):
    certificate, _ = installed
    other, other_key = pki.leaf("other.example.com")
    with servers.tls_server(_full_chain(other), pki.key_pem(other_key)) as port:
        result = verify_endpoint(_endpoint(client_a, port, certificate), timeout=5)
    assert result.outcome == VerificationOutcome.OTHER_CERTIFICATE
    assert result.served_common_name == "other.example.com"
    assert not result.name_matches
    assert DriftAlert.objects.get().kind == "other_certificate"


def test_expired_certificate(client_a):
    certificate, key = pki.store(client_a, days=10, start_days_ago=20)
    with servers.tls_server(
        _full_chain(pki.leaf_of(certificate)), pki.key_pem(key)
    ) as port:
        result = verify_endpoint(_endpoint(client_a, port, certificate), timeout=5)
    assert result.outcome == VerificationOutcome.EXPIRED
    assert result.fingerprint_matches
    assert result.days_left == -10
    assert DriftAlert.objects.get().kind == "expired"


def test_incomplete_chain(client_a, installed):
    certificate, key = installed
    leaf = pki.leaf_of(certificate)
    with servers.tls_server(_full_chain(leaf, False), pki.key_pem(key)) as port:
        result = verify_endpoint(_endpoint(client_a, port, certificate), timeout=5)
    assert result.outcome == VerificationOutcome.INCOMPLETE_CHAIN
    assert result.fingerprint_matches
    assert not result.chain_complete
    assert DriftAlert.objects.get().kind == "incomplete_chain"


def test_slow_handshake_times_out(client_a, installed):
    certificate, key = installed
    chain = _full_chain(pki.leaf_of(certificate))
    with servers.tls_server(chain, pki.key_pem(key), handshake_delay=30) as port:
        result = verify_endpoint(_endpoint(client_a, port, certificate), timeout=1)
    assert result.outcome == VerificationOutcome.FAILED
    assert result.error == f"TLS handshake with 127.0.0.1:{port} timed out after 1 s."


def test_closed_port(client_a, installed):
    certificate, _ = installed
    port = servers.closed_port()
    result = verify_endpoint(_endpoint(client_a, port, certificate), timeout=2)
    assert result.outcome == VerificationOutcome.FAILED
    assert result.error == (
        f"Connection to 127.0.0.1:{port} failed: Connection refused."
    )
    assert DriftAlert.objects.count() == 0


def test_private_address_rejected(client_a, installed):
    certificate, _ = installed
    endpoint = _endpoint(client_a, 443, certificate)
    endpoint.hostname = "10.0.0.1"
    result = verify_endpoint(endpoint, timeout=1)
    assert result.outcome == VerificationOutcome.REJECTED


def test_scheduled_run_catches_swap(client_a, installed, client_admin_a):
    certificate, _ = installed
    other, other_key = pki.leaf("shop.example.com")
    with servers.tls_server(_full_chain(other), pki.key_pem(other_key)) as port:
        endpoint = _endpoint(client_a, port, certificate)
        assert verify_all(timeout=5) == 1

    alert = DriftAlert.objects.get(endpoint=endpoint)
    assert alert.ticket.category == Category.INCIDENT
    assert alert.ticket.subject == f"Certificate drift on 127.0.0.1:{port}"
    notice = Notice.objects.get(recipient=client_admin_a)
    assert notice.kind == NoticeKind.DRIFT


def test_match_resolves_drift(client_a, installed):
    certificate, key = installed
    other, other_key = pki.leaf("shop.example.com")
    with servers.tls_server(_full_chain(other), pki.key_pem(other_key)) as port:
        endpoint = _endpoint(client_a, port, certificate)
        verify_endpoint(endpoint, timeout=5)
    chain = _full_chain(pki.leaf_of(certificate))
    with servers.tls_server(chain, pki.key_pem(key)) as port:
        endpoint.port = port
        endpoint.save()
        verify_endpoint(endpoint, timeout=5)
    assert DriftAlert.objects.get().resolved_at is not None


def test_discovery_imports_client_owned(client_a):
    served, key = pki.leaf("found.example.com")
    with servers.tls_server(_full_chain(served), pki.key_pem(key)) as port:
        items = discover(client_a, [("127.0.0.1", port), ("10.0.0.1", 443)])

    assert items[0].created
    certificate = items[0].certificate
    assert certificate.purchased_through == PurchasedThrough.CLIENT
    assert certificate.common_name == "found.example.com"
    assert Endpoint.objects.get(port=port).certificate == certificate
    assert items[1].certificate is None
    assert items[1].error.startswith("10.0.0.1 is a private")


def test_discovery_targets_parsed():
    assert parse_discovery_targets("a.example.com:443\n\n127.0.0.1:8443 ") == [
        ("a.example.com", 443),
        ("127.0.0.1", 8443),
    ]
    with pytest.raises(ValidationError) as caught:
        parse_discovery_targets("a.example.com")
    assert caught.value.code == "invalid_target"
    assert caught.value.messages == [
        "Line 1: 'a.example.com' is not host:port. Write it as www.example.com:443."
    ]


def test_discovery_too_many_targets():
    text = "\n".join(f"h{number}.example.com:443" for number in range(33))
    with pytest.raises(ValidationError) as caught:
        parse_discovery_targets(text)
    assert caught.value.messages == [
        "33 targets given; at most 32 can be scanned at once."
    ]
