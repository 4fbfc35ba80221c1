"""Tasks sent through Redis to a real Celery worker subprocess.

The worker imports this module (see the `include` of the marker) so that it has
the test-only task below registered.
"""

import pytest
from celery import shared_task

from accounts.models import Client
from certportal.celery import ping

RESULT_TIMEOUT = 30  # seconds; only ends a hung test


@shared_task(name="tests.rename_client", bind=True)
def rename_client(self, client_id: int, name: str) -> str:
    """Rename a client and return the slug read back, proving a database round trip."""
    client = Client.objects.get(pk=client_id)
    client.name = name
    client.save(update_fields=["name"])
    return client.slug


@pytest.mark.services
@pytest.mark.celery_worker
def test_worker_answers_ping(celery_worker):
    result = ping.delay()

    assert result.get(timeout=RESULT_TIMEOUT) == "pong"
    assert result.status == "SUCCESS"


@pytest.mark.services
@pytest.mark.celery_worker
def test_worker_uses_own_queue(celery_worker):
    result = ping.delay()
    result.get(timeout=RESULT_TIMEOUT)

    log = celery_worker.log()
    assert celery_worker.queue.startswith("certportal-test-")
    assert f".> {celery_worker.queue} exchange=" in log
    assert f"Task certportal.ping[{result.id}] received" in log


@pytest.mark.services
@pytest.mark.celery_worker(include=["tests.test_celery_worker"])
@pytest.mark.django_db(transaction=True)
def test_worker_writes_test_database(celery_worker, client_a):
    result = rename_client.delay(client_a.pk, "Renamed By Worker Ltd")

    assert result.get(timeout=RESULT_TIMEOUT) == "alpha"
    client_a.refresh_from_db()
    assert client_a.name == "Renamed By Worker Ltd"


@pytest.mark.services
@pytest.mark.celery_worker(include=["tests.test_celery_worker"])
@pytest.mark.django_db(transaction=True)
def test_worker_error_reaches_caller(celery_worker):
    result = rename_client.delay(999_999, "Nobody Ltd")

    with pytest.raises(Exception, match="Client matching query does not exist"):
        result.get(timeout=RESULT_TIMEOUT)
    assert result.status == "FAILURE"
