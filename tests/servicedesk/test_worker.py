"""The SLA check through Redis and a real Celery worker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk import services
from servicedesk.choices import Category, Level
from servicedesk.models import SlaAlert
from servicedesk.tasks import check_sla

RESULT_TIMEOUT = 60  # seconds; only ends a hung test


@pytest.mark.services
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_records_breach_once(celery_worker, client_a, client_user_a):
    # Raised a month ago: every threshold of both targets has passed.
    ticket = services.open_ticket(
        client_a,
        client_user_a,
        Category.INCIDENT,
        "Shop down",
        "All pages fail.",
        Level.HIGH,
        Level.HIGH,
        now=timezone.now() - timedelta(days=30),
    )

    first = check_sla.delay().get(timeout=RESULT_TIMEOUT)
    second = check_sla.delay().get(timeout=RESULT_TIMEOUT)

    assert first["recorded"] == 8
    assert second["recorded"] == 0
    assert SlaAlert.objects.filter(ticket=ticket).count() == 8
    assert SlaAlert.objects.filter(ticket=ticket, threshold=100).count() == 2
    assert "servicedesk.check_sla" in celery_worker.log()
