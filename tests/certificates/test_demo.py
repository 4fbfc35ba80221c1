"""Demo certificates: every state, reused demo CA, idempotent."""

from io import StringIO

import pytest

from accounts.models import Client
from certificates import demo
from certificates.choices import CertificateStatus, PurchasedThrough
from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def test_seed_every_state_and_idempotent(client_a, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    clients = {"alpha": client_a}

    demo.seed(clients, {}, StringIO())
    first = set(Certificate.objects.values_list("fingerprint_sha256", flat=True))
    demo.seed(clients, {}, StringIO())

    assert (
        set(Certificate.objects.values_list("fingerprint_sha256", flat=True)) == first
    )
    statuses = set(Certificate.objects.values_list("status", flat=True))
    assert statuses == {
        CertificateStatus.ACTIVE,
        CertificateStatus.EXPIRED,
        CertificateStatus.REVOKED,
        CertificateStatus.REPLACED,
    }
    assert Certificate.objects.filter(
        purchased_through=PurchasedThrough.CLIENT
    ).exists()
    renewed = Certificate.objects.get(
        common_name="portal.alpha.test", status=CertificateStatus.ACTIVE
    )
    assert renewed.replaces.status == CertificateStatus.REPLACED
    assert (tmp_path / "demo-ca" / "ca.pem").exists()
    names = Certificate.objects.values_list("common_name", flat=True)
    assert all(name.endswith(".test") for name in names)


def test_seed_reuses_demo_ca(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first, _ = demo.demo_ca()
    second, _ = demo.demo_ca()

    assert first == second
    assert Client.objects.count() == 0
