"""Fixtures shared by every test: clients, one person per role, real services."""

import os
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.conf import settings

from accounts.models import Client, User
from accounts.roles import Role
from certportal.celery import app as celery_app

# Fixtures for real services: celery_worker, redis_url, postgresql, unused_port.
pytest_plugins = ["tests.services"]

# Demo and test passwords satisfy the password validators.
PASSWORD = "correct-horse-battery-staple"


def pytest_addoption(parser):
    parser.addoption(
        "--require-services",
        action="store_true",
        default=os.environ.get("CERTPORTAL_REQUIRE_SERVICES") == "1",
        help="Fail, instead of skip, tests whose real service (PostgreSQL, Redis, "
        "pebble, nginx, Chromium) is not available. CI sets this.",
    )


@pytest.fixture
def require_service(request):
    """Call with (name, reason) when a service is missing: skips, or fails in CI."""
    strict = request.config.getoption("--require-services")

    def missing(name: str, reason: str) -> None:
        message = f"{name} is not available: {reason}"
        if strict:
            pytest.fail(message + " (--require-services is set)")
        pytest.skip(message)

    return missing


def uses_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


# Rows that data migrations load. A transactional test (and every live_server test)
# ends by flushing the database, which deletes them for the tests that follow.
REFERENCE_DATA = [
    ("governance.migrations.0002_load_raci_matrix", "load"),
    ("catalogue.migrations.0002_seed_catalogue_items", "load_items"),
]


@pytest.fixture(autouse=True)
def reference_data(request):
    """Reload the data migrations' rows before each transactional test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        for module, function in REFERENCE_DATA:
            getattr(import_module(module), function)(django_apps, None)
    yield


@pytest.fixture(autouse=True)
def tasks_run_in_process(request):
    """Run Celery tasks in the test process unless a test asks for a real worker."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def make_client(slug: str, name: str | None = None, **fields) -> Client:
    defaults = {
        "name": name or f"{slug.title()} Ltd",
        "support_location": "London",
        "time_zone": "Europe/London",
        "country": "GB",
        "subdivision": "ENG",
        "support_phone": "+442079460000",
    }
    defaults.update(fields)
    return Client.objects.create(slug=slug, **defaults)


def make_person(
    username: str, role: str, client: Client | None = None, **fields
) -> User:
    user = User(
        username=username,
        role=role,
        client=client,
        email=f"{username}@example.com",
        **fields,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def client_a(db) -> Client:
    return make_client("alpha", "Alpha Retail Ltd")


@pytest.fixture
def client_b(db) -> Client:
    # The name doubles as a marker: it must never appear on a page of client A.
    return make_client("bravo", "Bravo Secret Holdings")


@pytest.fixture
def client_user_a(client_a) -> User:
    return make_person("ann.user", Role.CLIENT_USER, client_a)


@pytest.fixture
def client_admin_a(client_a) -> User:
    return make_person("amy.admin", Role.CLIENT_ADMIN, client_a)


@pytest.fixture
def client_user_b(client_b) -> User:
    return make_person("bob.user", Role.CLIENT_USER, client_b)


@pytest.fixture
def client_admin_b(client_b) -> User:
    return make_person("bea.admin", Role.CLIENT_ADMIN, client_b)


@pytest.fixture
def analyst(db) -> User:
    return make_person("lee.analyst", Role.L1_ANALYST)


@pytest.fixture
def sdm_a(client_a) -> User:
    user = make_person("sam.sdm", Role.SERVICE_DELIVERY_MANAGER)
    user.assigned_clients.add(client_a)
    return user


@pytest.fixture
def tam_a(client_a) -> User:
    user = make_person("tia.tam", Role.TECHNICAL_ACCOUNT_MANAGER)
    user.assigned_clients.add(client_a)
    return user


@pytest.fixture
def administrator(db) -> User:
    return make_person("ada.admin", Role.ADMINISTRATOR)
