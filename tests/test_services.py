"""The helpers in tests/services.py that need no running service."""

import socket

from tests.services import database_url, free_port, redis_error


def test_database_url_quotes_credentials():
    url = database_url(
        {
            "USER": "cert portal",
            "PASSWORD": "p@ss:word/1",
            "HOST": "127.0.0.1",
            "PORT": 5433,
            "NAME": "test_certportal",
        }
    )

    assert (
        url
        == "postgres://cert%20portal:p%40ss%3Aword%2F1@127.0.0.1:5433/test_certportal"
    )


def test_database_url_without_password():
    url = database_url({"USER": "postgres", "NAME": "test_certportal"})

    assert url == "postgres://postgres@127.0.0.1:5432/test_certportal"


def test_redis_error_unset_broker():
    assert redis_error("memory://") == (
        "CELERY_BROKER_URL is not set. Set it to a Redis server, for example "
        "CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
    )


def test_redis_error_other_scheme():
    assert redis_error("amqp://127.0.0.1:5672//") == (
        "CELERY_BROKER_URL is 'amqp://127.0.0.1:5672//', not a redis:// URL. Set it "
        "to a Redis server, for example CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
    )


def test_redis_error_closed_port():
    port = free_port()  # nothing listens on it

    error = redis_error(f"redis://127.0.0.1:{port}/0")

    assert error is not None
    assert error.startswith(f"connection to redis://127.0.0.1:{port}/0 failed: ")


def test_free_port_can_be_bound():
    port = free_port()

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        assert sock.getsockname() == ("127.0.0.1", port)
