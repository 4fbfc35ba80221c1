"""Orders through Debian's pebble: HTTP-01 answered by the portal itself, and
DNS-01 with the TXT record the order page shows."""

import pytest
from cryptography import x509
from cryptography.x509 import verification

from audit.models import AuditAction, AuditEvent
from certificates.choices import CsrState
from issuance import services
from issuance.choices import (
    AcmeStatus,
    ChallengeResponder,
    ChallengeType,
    OrderStatus,
)
from issuance.models import Challenge
from tests.issuance.conftest import make_acme_provider, make_csr

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_order_issues_certificate(acme_provider, analyst, client_a, pebble):
    csr = make_csr(client_a, ["shop.alpha.test", "www.alpha.test"])

    order = services.start_order(csr, acme_provider, actor=analyst)

    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED, order.error_message
    certificate = order.certificate
    assert certificate.csr == csr
    assert certificate.private_key == csr.private_key
    assert sorted(certificate.dns_names) == ["shop.alpha.test", "www.alpha.test"]
    csr.refresh_from_db()
    assert csr.state == CsrState.ISSUED
    assert set(order.authorizations.values_list("status", flat=True)) == {
        AcmeStatus.VALID
    }
    assert AuditEvent.objects.filter(
        action=AuditAction.CERTIFICATE_ISSUED, object_id=str(certificate.pk)
    ).exists()


def test_chain_verifies_to_pebble_root(acme_provider, client_a, pebble):
    csr = make_csr(client_a, ["chain.alpha.test"])
    order = services.start_order(csr, acme_provider)
    order.refresh_from_db()
    certificate = order.certificate
    root = x509.load_pem_x509_certificate(pebble.root_pem())
    leaf = x509.load_pem_x509_certificate(certificate.pem.encode())
    intermediates = x509.load_pem_x509_certificates(certificate.chain_pem.encode())

    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store([root]))
        .build_server_verifier(x509.DNSName("chain.alpha.test"))
    )
    path = verifier.verify(leaf, intermediates)

    assert path[-1] == root


def test_dns01_with_published_record(pebble, challenge_hosts, client_a, client_user_a):
    provider = make_acme_provider(
        pebble, name="Pebble DNS-01", challenge_type=ChallengeType.DNS_01
    )
    csr = make_csr(client_a, ["*.wild.alpha.test"])
    order = services.start_order(csr, provider, responder=ChallengeResponder.CLIENT)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_CLIENT
    challenge = Challenge.objects.get(
        authorization__order=order, type=ChallengeType.DNS_01
    )

    # The client creates exactly the record the order page shows.
    pebble.set_txt(challenge.dns_record_name, challenge.dns_txt_value)
    services.confirm_challenges_published(order, client_user_a)

    order.refresh_from_db()
    assert challenge.dns_record_name == "_acme-challenge.wild.alpha.test"
    assert order.status == OrderStatus.ISSUED, order.error_message
    assert order.certificate.dns_names == ["*.wild.alpha.test"]
