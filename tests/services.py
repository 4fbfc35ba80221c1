"""Helpers and fixtures for tests that need real services.

A test that needs a service requests it through a fixture here. When the service is
missing, the fixture calls `require_service` from tests/conftest.py, which skips the
test, or fails it under --require-services (CERTPORTAL_REQUIRE_SERVICES=1), as CI
runs. Servers that tests start themselves bind 127.0.0.1 on a port from
`free_port()`.

The `celery_worker` fixture runs `celery -A certportal worker --pool=solo` as a
subprocess on a queue of its own, so tasks sent by the test travel through Redis to
a real worker. Use it with `@pytest.mark.celery_worker`; tests with that marker keep
Celery's configured mode instead of running tasks in-process. The worker is a
separate process: overrides made with the `settings` fixture do not reach it, and
neither does mail sent to the locmem backend. Pass what it needs through the
`celery_worker_env` fixture.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery.result import allow_join_result
from django.conf import settings
from django.db import connection
from kombu.utils.url import maybe_sanitize_url

from certportal.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)

# Upper bounds for waits on a subprocess. They only end a hung test: nothing here
# measures how long a step took.
WORKER_START_TIMEOUT = 60
WORKER_STOP_TIMEOUT = 20


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that the kernel reported free.

    Another process may take the port before the caller binds it. Pass port 0
    directly to servers that accept it, and use this for the ones that do not.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> bool:
    """Wait until something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def redis_error(url: str) -> str | None:
    """Return why the Redis server at `url` cannot be used, or None if it responds."""
    if not url.startswith(("redis://", "rediss://")):
        # Settings turn an unset CELERY_BROKER_URL into memory:// (in-process tasks).
        found = "not set" if url == "memory://" else f"{url!r}, not a redis:// URL"
        return (
            f"CELERY_BROKER_URL is {found}. Set it to a Redis server, for example "
            "CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
        )
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"connection to {maybe_sanitize_url(url)} failed: {exc}"
    return None


def database_url(settings_dict: dict) -> str:
    """Build a DATABASE_URL naming the PostgreSQL database of a Django connection."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = ""
    if user and password:
        credentials = f"{user}:{password}@"
    elif user:
        credentials = f"{user}@"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def unused_port() -> int:
    """A TCP port on 127.0.0.1 for a server the test starts."""
    return free_port()


@pytest.fixture
def postgresql(require_service) -> None:
    """Require that the tests run on PostgreSQL (DATABASE_URL=postgres://...)."""
    if not uses_postgresql():
        require_service(
            "PostgreSQL",
            "the tests run on SQLite; set DATABASE_URL=postgres://postgres@127.0.0.1"
            ":5432/certportal",
        )


@pytest.fixture
def redis_url(require_service) -> str:
    """The broker's Redis URL, after checking that Redis responds on it."""
    url = settings.CELERY_BROKER_URL
    error = redis_error(url)
    if error:
        require_service("Redis", error)
    return url


@pytest.fixture
def executable(require_service):
    """Return a function that finds a program on PATH or skips (fails in CI)."""

    def find(name: str) -> str:
        path = shutil.which(name)
        if path is None:
            require_service(
                name, f"`{name}` is not on PATH; install the Debian package"
            )
        return path

    return find


@dataclass
class CeleryWorker:
    """A running worker subprocess and the queue it consumes."""

    queue: str
    hostname: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment for the worker subprocess. Override it in a test module."""
    return {}


@pytest.fixture
def celery_worker(
    request, require_service, redis_url, celery_worker_env, tmp_path
) -> Iterator[CeleryWorker]:
    """A real Celery worker on a queue of its own, stopped when the test ends.

    Tests that touch the database must run on PostgreSQL and be marked
    `@pytest.mark.django_db(transaction=True)`, because the worker reads only what
    the test has committed. Extra task modules load with
    `@pytest.mark.celery_worker(include=["module"])`.
    """
    marker = request.node.get_closest_marker("celery_worker")
    if marker is None:
        pytest.fail("The celery_worker fixture needs @pytest.mark.celery_worker.")
    database = _worker_database_url(request, require_service, tmp_path)
    queue = f"certportal-test-{uuid.uuid4().hex}"
    worker = _start_worker(
        queue=queue,
        broker_url=redis_url,
        environment={"DATABASE_URL": database, **celery_worker_env},
        includes=_as_list(marker.kwargs.get("include", [])),
        log_path=tmp_path / "celery-worker.log",
    )
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        _wait_until_ready(worker)
        # The test process waits on results, which Celery forbids inside a task.
        # An eager task run by an earlier test in this process can leave that
        # guard switched on, so it is lifted for the test explicitly.
        with allow_join_result():
            yield worker
    finally:
        celery_app.conf.task_default_queue = previous_queue
        _stop_worker(worker)
        _delete_queue(redis_url, queue)
        # Pytest shows this output only for a failed test.
        print(f"--- Celery worker log ({worker.log_path}) ---\n{worker.log()}")


def _as_list(modules: str | list[str]) -> list[str]:
    return [modules] if isinstance(modules, str) else list(modules)


def _worker_database_url(request, require_service, tmp_path: Path) -> str:
    """Point the worker at the test database, or at an empty file if it has none."""
    marker = request.node.get_closest_marker("django_db")
    uses_database = {"db", "transactional_db"} & set(request.fixturenames)
    if marker is None and not uses_database:
        # Without this, a task that queried the database would read var/'s
        # development data instead of failing.
        return f"sqlite:///{tmp_path / 'worker-without-database.sqlite3'}"
    if marker is None or not marker.kwargs.get("transaction"):
        pytest.fail(
            "A test with a Celery worker needs "
            "@pytest.mark.django_db(transaction=True), because the worker cannot see "
            "rows inside the test's open transaction."
        )
    if not uses_postgresql():
        require_service(
            "PostgreSQL",
            "a worker subprocess cannot open the SQLite test database; set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/certportal",
        )
    # Set the test database up before the worker starts, so it is torn down after.
    request.getfixturevalue("transactional_db")
    return database_url(connection.settings_dict)


def _start_worker(
    *,
    queue: str,
    broker_url: str,
    environment: dict[str, str],
    includes: list[str],
    log_path: Path,
) -> CeleryWorker:
    hostname = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certportal.settings",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        # The worker must decrypt what the test process encrypted, and sign what it
        # verifies, even when a test changed these settings.
        "SECRET_KEY": settings.SECRET_KEY,
        "PRIVATE_KEY_ENCRYPTION_KEYS": ",".join(settings.PRIVATE_KEY_ENCRYPTION_KEYS),
        "PROBE_ALLOWED_NETWORKS": "127.0.0.1/32",
        **environment,
    }
    if settings.CELERY_RESULT_BACKEND:
        env["CELERY_RESULT_BACKEND"] = settings.CELERY_RESULT_BACKEND
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "certportal",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        f"--hostname={hostname}",
        # The worker talks to nobody but the test, so skip the cluster handshakes.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if includes:
        command.append(f"--include={','.join(includes)}")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return CeleryWorker(queue, hostname, process, log_path)


def _wait_until_ready(worker: CeleryWorker) -> None:
    """Wait until the worker answers a control ping, or fail with its log."""
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(
                f"Celery worker exited with {worker.process.returncode} before it "
                f"was ready. Its log:\n{worker.log()}"
            )
        replies = celery_app.control.ping(destination=[worker.hostname], timeout=1)
        if replies:
            return
    pytest.fail(
        f"Celery worker did not answer a ping within {WORKER_START_TIMEOUT} s. "
        f"Its log:\n{worker.log()}"
    )


def _stop_worker(worker: CeleryWorker) -> None:
    """Stop the worker: a warm shutdown first, then SIGKILL to its process group."""
    process = worker.process
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # The worker is not reaped yet, so its id still names this process group:
        # the session started for it, which holds any child it forked.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _delete_queue(url: str, queue: str) -> None:
    """Remove the test queue's list and binding keys so runs leave nothing behind."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )
    except redis.RedisError:
        pass  # Only tidying: a leftover empty key harms nothing.
