from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from monitoring.choices import NoticeKind
from monitoring.domains import (
    monthly_availability,
    record_breaches,
    rollup_and_prune,
    run_checks,
)
from monitoring.models import (
    AvailabilityBreach,
    DomainCheck,
    DomainDailySummary,
    DowntimeEvent,
    MonitoredDomain,
    MonitoringSettings,
    Notice,
)
from tests.monitoring import pki, servers


def _domain(client, target, **fields) -> MonitoredDomain:
    return MonitoredDomain.objects.create(client=client, target=target, **fields)


@pytest.fixture
def http_server():
    with servers.HttpServer() as server:
        yield server


def test_many_domains_checked(client_a, http_server):
    domains = [
        _domain(client_a, f"http://127.0.0.1:{http_server.port}/site/{number}")
        for number in range(200)
    ]
    checks = run_checks(concurrency=50)

    assert len(checks) == 200
    assert DomainCheck.objects.filter(succeeded=True, http_status=200).count() == 200
    assert http_server.connections == 200
    assert http_server.max_open <= 50
    stored = DomainCheck.objects.filter(domain=domains[0]).get()
    assert stored.dns_ms is not None
    assert stored.connect_ms is not None
    assert stored.tls_ms is None
    assert stored.total_ms >= stored.connect_ms
    assert MonitoredDomain.objects.filter(last_checked_at__isnull=True).count() == 0


def test_due_domains_only(client_a, http_server):
    _domain(client_a, f"http://127.0.0.1:{http_server.port}/")
    now = datetime.now(UTC)
    assert len(run_checks(now=now)) == 1
    assert run_checks(now=now + timedelta(seconds=10)) == []
    assert len(run_checks(now=now + timedelta(seconds=300))) == 1


def test_tls_target_timed(client_a):
    certificate, key = pki.leaf("shop.example.com")
    chain = pki.pem(certificate) + pki.pem(pki.intermediate()[0])
    with servers.tls_server(chain, pki.key_pem(key)) as port:
        domain = _domain(client_a, f"127.0.0.1:{port}")
        (check,) = run_checks([domain])
    assert check.succeeded
    assert check.tls_ms is not None
    assert check.http_status is None


def test_server_error_fails(client_a, http_server):
    domain = _domain(client_a, f"http://127.0.0.1:{http_server.port}/status/503")
    (check,) = run_checks([domain])
    assert not check.succeeded
    assert check.http_status == 503
    assert check.failure_reason == "HTTP status 503."


def test_closed_port_fails(client_a):
    port = servers.closed_port()
    (check,) = run_checks([_domain(client_a, f"http://127.0.0.1:{port}/")])
    assert not check.succeeded
    assert check.failure_reason.startswith("Connection failed:")


def test_slow_server_times_out(client_a):
    certificate, key = pki.leaf("shop.example.com")
    with servers.tls_server(pki.pem(certificate), pki.key_pem(key), 30) as port:
        domain = _domain(client_a, f"127.0.0.1:{port}", timeout_seconds=1)
        (check,) = run_checks([domain])
    assert not check.succeeded
    assert check.failure_reason == "Timed out after 1 s."


def test_private_target_rejected(client_a):
    (check,) = run_checks([_domain(client_a, "http://10.0.0.1/")])
    assert not check.succeeded
    assert check.failure_reason.startswith("10.0.0.1 is a private")


def test_downtime_and_recovery_once(client_a, client_admin_a, http_server):
    MonitoringSettings.objects.create(client=client_a, downtime_after_failures=2)
    port = servers.closed_port()
    domain = _domain(client_a, f"http://127.0.0.1:{port}/")

    run_checks([domain])
    assert DowntimeEvent.objects.count() == 0
    run_checks([domain])
    run_checks([domain])
    event = DowntimeEvent.objects.get()
    assert event.recovered_at is None
    assert event.reason.startswith("Connection failed:")

    MonitoredDomain.objects.filter(pk=domain.pk).update(
        target=f"http://127.0.0.1:{http_server.port}/"
    )
    domain.refresh_from_db()
    run_checks([domain])
    run_checks([domain])
    event.refresh_from_db()
    assert event.recovered_at is not None
    kinds = list(Notice.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [NoticeKind.DOWNTIME, NoticeKind.RECOVERY]


def _history(domain, day: date, up: int, down: int, ms: float = 120.0) -> None:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    checks = [
        DomainCheck(
            domain=domain,
            checked_at=start + timedelta(minutes=number),
            succeeded=number < up,
            total_ms=ms if number < up else None,
            failure_reason="" if number < up else "Timed out after 10 s.",
        )
        for number in range(up + down)
    ]
    DomainCheck.objects.bulk_create(checks)


def test_month_availability_from_checks(client_a):
    domain = _domain(client_a, "https://shop.example.com/")
    _history(domain, date(2026, 5, 3), up=995, down=5, ms=120)
    _history(domain, date(2026, 5, 4), up=600, down=0, ms=480)

    result = monthly_availability([domain.pk], date(2026, 5, 1))[domain.pk]

    assert result.checks == 1600
    assert result.percent == Decimal("99.6875")
    assert result.p50 == 120
    assert result.p95 == 480


def test_rollup_prunes_and_keeps_figures(client_a):
    domain = _domain(client_a, "https://shop.example.com/")
    _history(domain, date(2026, 5, 3), up=990, down=10, ms=120)
    before = monthly_availability([domain.pk], date(2026, 5, 1))[domain.pk]

    now = datetime(2026, 5, 20, 12, tzinfo=UTC)
    rollup_and_prune(now)
    rollup_and_prune(now)

    assert DomainCheck.objects.count() == 0
    summary = DomainDailySummary.objects.get()
    assert (summary.checks, summary.successes) == (1000, 990)
    after = monthly_availability([domain.pk], date(2026, 5, 1))[domain.pk]
    assert after.percent == before.percent == Decimal("99.0000")
    assert after.p95 == before.p95 == 120


def test_recent_checks_kept(client_a):
    domain = _domain(client_a, "https://shop.example.com/")
    _history(domain, date(2026, 5, 18), up=10, down=0)
    rollup_and_prune(datetime(2026, 5, 20, 12, tzinfo=UTC))
    assert DomainCheck.objects.count() == 10
    assert DomainDailySummary.objects.get().checks == 10


def test_breach_recorded(client_a):
    bad = _domain(client_a, "https://bad.example.com/")
    good = _domain(client_a, "https://good.example.com/")
    _history(bad, date(2026, 5, 3), up=990, down=10)
    _history(good, date(2026, 5, 3), up=996, down=4)

    assert record_breaches(date(2026, 5, 1)) == 1
    breach = AvailabilityBreach.objects.get()
    assert breach.domain == bad
    assert breach.availability_percent == Decimal("99.0000")
    assert breach.objective_percent == Decimal("99.5")


def test_availability_queries_constant(client_a, django_assert_num_queries):
    def build(count):
        domains = [
            _domain(client_a, f"https://n{number}-{count}.example.com/")
            for number in range(count)
        ]
        for domain in domains:
            _history(domain, date(2026, 5, 3), up=3, down=1)
        return [domain.pk for domain in domains]

    small, large = build(10), build(100)
    with django_assert_num_queries(2):
        monthly_availability(small, date(2026, 5, 1))
    with django_assert_num_queries(2):
        monthly_availability(large, date(2026, 5, 1))


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "ftp://files.example.com/",
            "'ftp://files.example.com/' uses ftp://; only http:// and https:// "
            "URLs can be monitored.",
        ),
        (
            "www.example.com",
            "'www.example.com' is not a URL or host:port. Use "
            "https://www.example.com/ or www.example.com:443.",
        ),
        (
            "https://user:secret@example.com/",
            "'https://user:secret@example.com/' is not a URL or host:port. Use "
            "https://www.example.com/ or www.example.com:443.",
        ),
        (
            "example.com:99999",
            "'example.com:99999' is not a URL or host:port. Use "
            "https://www.example.com/ or www.example.com:443.",
        ),
    ],
)
def test_bad_target_rejected(client_a, target, message):
    domain = MonitoredDomain(client=client_a, target=target)
    with pytest.raises(ValidationError) as caught:
        domain.full_clean()
    assert caught.value.message_dict == {"target": [message]}


def test_bad_interval_and_timeout(client_a):
    domain = MonitoredDomain(
        client=client_a,
        target="https://a.example.com/",
        interval_seconds=5,
        timeout_seconds=90,
    )
    with pytest.raises(ValidationError) as caught:
        domain.full_clean()
    assert caught.value.message_dict == {
        "interval_seconds": [
            "5 seconds is outside 60 to 86400. "
            "Choose an interval between one minute and one day."
        ],
        "timeout_seconds": [
            "90 seconds is outside 1 to 60. Choose a timeout in that range."
        ],
    }


def test_target_normalised(client_a):
    domain = MonitoredDomain(client=client_a, target=" HTTPS://Shop.Example.COM ")
    domain.full_clean()
    assert domain.target == "https://shop.example.com:443/"
