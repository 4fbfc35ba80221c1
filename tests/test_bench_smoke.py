"""The whole benchmark suite at a tiny size, so the benchmarks keep working."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Client
from bench import tiny
from bench.report import Run, write
from bench.run import PARTS, run_parts
from bench.seed import RefusedDatabase, check_database
from bench.tlsserver import NGINX
from certificates.models import Certificate
from monitoring.models import DomainCheck
from servicedesk.models import Ticket
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def test_suite_tiny(require_service):
    if not Path(NGINX).exists():
        require_service("nginx", "the probe benchmark serves TLS from nginx")
    tiny.seed()
    run = Run.start("tiny", ["--scale", "tiny"])
    run.measure_sizes()
    run.figures = run_parts("tiny", log=io.StringIO())
    run.finish()

    assert {figure.part for figure in run.figures} == set(PARTS)
    for figure in run.figures:
        assert figure.subject.median > 0, figure.name
        if figure.floor is not None:
            assert figure.floor.median > 0, figure.name
    text = write(run)
    assert "## Machine" in text
    assert "certificate list page, active, by expiry" in text


def test_seed_rejects_foreign_clients():
    make_client("acme")
    with pytest.raises(RefusedDatabase) as raised:
        check_database()

    assert str(raised.value) == (
        "This database contains clients the scale generator did not make (acme). "
        "Run seed_scale only against an empty database of its own, e.g. "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/certportal_bench."
    )


def test_seed_scale_needs_postgresql(settings):
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("the message is about databases other than PostgreSQL")
    with pytest.raises(CommandError, match="seed_scale needs PostgreSQL, not sqlite"):
        call_command("seed_scale", "--clients", "4")


def test_seed_scale_fills_postgresql(settings):
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("seed_scale generates rows with PostgreSQL functions")
    call_command(
        "seed_scale",
        "--clients=5",
        "--certificates=400",
        "--tickets=50",
        "--checks=500",
        stderr=io.StringIO(),
    )

    assert Client.objects.count() == 5
    assert Certificate.objects.count() == 400
    assert Certificate.objects.filter(client__slug="scale-000").count() == 100
    assert Ticket.objects.count() == 50
    assert DomainCheck.objects.count() == 500
    statuses = set(Certificate.objects.values_list("status", flat=True))
    assert "active" in statuses
    assert statuses <= {"active", "expired", "revoked", "replaced"}


def test_seed_scale_rejects_foreign_clients():
    make_client("acme")
    with pytest.raises(CommandError, match="did not make \\(acme\\)"):
        call_command("seed_scale", "--clients=4", stderr=io.StringIO())
