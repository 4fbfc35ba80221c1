"""/healthz: 200 when the database and broker respond, 503 naming the failed part."""

import socket

import pytest
from django.db.utils import OperationalError
from django.urls import reverse

from tests.accounts.network import closed_port


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_healthy_in_process(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "in-process"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_broker_unreachable_503(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/1"

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unavailable"},
    }


class RefusingConnection:
    def cursor(self):
        raise OperationalError("connection refused")


def test_database_unreachable_503(client, db, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # NOTE: the database itself stays up; only the health check's connection
    # fails, because stopping the shared test database would break other tests.
    monkeypatch.setattr("certportal.views.connection", RefusingConnection())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "broker": "in-process"},
    }


@pytest.mark.services
def test_real_redis_broker_ok(client, db, settings, require_service):
    if not redis_reachable():
        require_service("Redis", "nothing answers on 127.0.0.1:6379")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"
