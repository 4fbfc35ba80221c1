"""The full ACME flow through a real Celery worker and Redis."""

import time

import pytest

from issuance import services
from issuance.choices import OrderStatus
from tests.issuance.conftest import make_csr

RESULT_TIMEOUT = 120  # seconds; only ends a hung test


@pytest.mark.services
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_issues_certificate(celery_worker, acme_provider, client_a):
    csr = make_csr(client_a, ["worker.alpha.test"])
    order = services.start_order(csr, acme_provider)

    deadline = time.monotonic() + RESULT_TIMEOUT
    while time.monotonic() < deadline:
        order.refresh_from_db()
        if order.status in (OrderStatus.ISSUED, OrderStatus.FAILED):
            break
        time.sleep(0.5)

    assert order.status == OrderStatus.ISSUED, order.error_message
    assert order.certificate.csr == csr
    log = celery_worker.log()
    assert "issuance.finalize_order" in log
