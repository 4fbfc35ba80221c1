import threading
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection

from accounts.roles import Role
from certificates.choices import CertificateStatus, PurchasedThrough
from certificates.models import Certificate, Endpoint
from issuance.choices import OrderStatus, ProviderKind
from issuance.models import Order, Provider
from monitoring.choices import NoticeKind, VerificationOutcome
from monitoring.expiry import days_left, due_threshold, run_expiry_check
from monitoring.models import (
    ExpiryNotification,
    MonitoringSettings,
    Notice,
    RenewalEscalation,
    VerificationResult,
)
from monitoring.notify import expiry_recipients
from tests.certificates_factories import make_certificate
from tests.conftest import make_person, uses_postgresql
from tests.issuance.conftest import make_csr

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _at_days(certificate, days: int) -> datetime:
    """A moment `days` calendar days before the certificate's expiry date."""
    return certificate.not_after - timedelta(days=days)


@pytest.fixture
def people(client_admin_a, sdm_a, client_user_a):
    return client_admin_a, sdm_a


# days left ---------------------------------------------------------------


def test_days_left_counts_calendar_days():
    not_after = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    assert days_left(not_after, LONDON, datetime(2026, 6, 9, 23, 30, tzinfo=UTC)) == 0
    assert days_left(not_after, LONDON, datetime(2026, 6, 9, 22, 30, tzinfo=UTC)) == 1


def test_days_left_client_zone_differs_from_utc():
    # 03:30 UTC on 10 March is still 9 March in New York.
    not_after = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert days_left(not_after, NEW_YORK, now) == 8
    assert days_left(not_after, UTC, now) == 9


def test_days_left_across_spring_forward():
    # London moves to BST at 01:00 UTC on 29 March 2026: that day has 23 hours.
    now = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 23:30 GMT on the 28th
    not_after = datetime(2026, 3, 29, 23, 15, tzinfo=UTC)  # 00:15 BST on the 30th
    assert days_left(not_after, LONDON, now) == 2


def test_days_left_across_fall_back():
    # London returns to GMT at 01:00 UTC on 25 October 2026: a 25-hour day.
    now = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 00:30 BST on the 25th
    not_after = datetime(2026, 10, 25, 23, 59, tzinfo=UTC)  # 23:59 GMT on the 25th
    assert days_left(not_after, LONDON, now) == 0


def test_due_threshold_tightest():
    thresholds = [90, 60, 30, 14, 7, 3, 1]
    assert due_threshold(5, thresholds) == 7
    assert due_threshold(30, thresholds) == 30
    assert due_threshold(91, thresholds) is None
    assert due_threshold(0, thresholds) == 1


# the job -----------------------------------------------------------------


def test_notice_sent_once(client_a, people, django_capture_on_commit_callbacks):
    certificate = make_certificate(client_a, "shop.alpha.test", days=120)
    now = _at_days(certificate, 30)

    with django_capture_on_commit_callbacks(execute=True):
        first = run_expiry_check(now)
        second = run_expiry_check(now)

    assert first.notices == 1
    assert second.notices == 0
    sent = ExpiryNotification.objects.get()
    assert (sent.certificate, sent.threshold_days, sent.days_left) == (
        certificate,
        30,
        30,
    )
    # The RACI matrix makes the customer Responsible (all its people) and
    # Accountable (its admins) and the provider Informed (the assigned SDM).
    assert sorted(Notice.objects.values_list("recipient__username", flat=True)) == [
        "amy.admin",
        "ann.user",
        "sam.sdm",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "amy.admin@example.com",
        "ann.user@example.com",
        "sam.sdm@example.com",
    ]


def test_notice_content(client_a, people, django_capture_on_commit_callbacks):
    certificate = make_certificate(client_a, "shop.alpha.test", days=120)
    Endpoint.objects.create(
        client=client_a, hostname="shop.alpha.test", port=8443, certificate=certificate
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_expiry_check(_at_days(certificate, 14))

    notice = Notice.objects.filter(recipient__username="amy.admin").get()
    expiry = certificate.not_after.astimezone(LONDON)
    assert notice.title == "shop.alpha.test expires in 14 days"
    assert f"Expiry date: {expiry.day} {expiry:%B %Y}" in notice.body
    assert "Days left: 14" in notice.body
    assert "Installed on: shop.alpha.test:8443" in notice.body
    assert notice.link == "/monitoring/expiring/" or notice.link.endswith(
        f"/{certificate.pk}/"
    )
    assert f"http://127.0.0.1:8000{notice.link}" in notice.body
    message = mail.outbox[0]
    assert message.subject == notice.title
    html = message.alternatives[0][0]
    assert "<strong>shop.alpha.test</strong>" in html


def test_html_email_escaped(client_a, people, django_capture_on_commit_callbacks):
    certificate = make_certificate(client_a, "shop.alpha.test", days=120)
    Certificate.objects.filter(pk=certificate.pk).update(common_name="<b>x</b>")
    with django_capture_on_commit_callbacks(execute=True):
        run_expiry_check(_at_days(certificate, 14))
    html = mail.outbox[0].alternatives[0][0]
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html


def test_first_run_sends_tightest_only(client_a, people):
    certificate = make_certificate(client_a, "late.alpha.test", days=120)
    run_expiry_check(_at_days(certificate, 5))
    assert list(
        ExpiryNotification.objects.values_list("threshold_days", flat=True)
    ) == [7]


def test_each_threshold_once_over_time(client_a, people):
    certificate = make_certificate(client_a, "shop.alpha.test", days=120)
    for left in range(95, -1, -1):
        run_expiry_check(_at_days(certificate, left))
    thresholds = sorted(
        ExpiryNotification.objects.values_list("threshold_days", flat=True)
    )
    assert thresholds == [1, 3, 7, 14, 30, 60, 90]


def test_client_thresholds(client_a, people):
    MonitoringSettings.objects.create(client=client_a, thresholds=[45, 10])
    certificate = make_certificate(client_a, "shop.alpha.test", days=120)
    run_expiry_check(_at_days(certificate, 30))
    assert ExpiryNotification.objects.get().threshold_days == 45


def test_client_owned_needs_opt_in(client_a, people):
    certificate = make_certificate(client_a, "own.alpha.test", days=120)
    Certificate.objects.filter(pk=certificate.pk).update(
        purchased_through=PurchasedThrough.CLIENT
    )
    now = _at_days(certificate, 30)
    assert run_expiry_check(now).notices == 0

    MonitoringSettings.objects.create(client=client_a, track_client_owned=True)
    assert run_expiry_check(now).notices == 1


def test_expired_marked(client_a, people):
    certificate = make_certificate(client_a, "old.alpha.test", days=10)
    summary = run_expiry_check(certificate.not_after + timedelta(minutes=1))
    certificate.refresh_from_db()
    assert summary.expired == 1
    assert certificate.status == CertificateStatus.EXPIRED
    assert Notice.objects.count() == 0


def test_renewal_window_notice(client_a, people):
    certificate = make_certificate(client_a, "ari.alpha.test", days=120)
    start = certificate.not_after - timedelta(days=40)
    Certificate.objects.filter(pk=certificate.pk).update(renewal_window_start=start)

    run_expiry_check(start - timedelta(hours=1))
    assert not Notice.objects.filter(kind=NoticeKind.RENEWAL_WINDOW).exists()
    run_expiry_check(start + timedelta(hours=1))
    run_expiry_check(start + timedelta(hours=2))
    titles = set(
        Notice.objects.filter(kind=NoticeKind.RENEWAL_WINDOW).values_list(
            "title", flat=True
        )
    )
    assert titles == {"Renewal window open for ari.alpha.test"}
    assert Notice.objects.filter(kind=NoticeKind.RENEWAL_WINDOW).count() == 3


def _replace(client, old, verified: bool):
    new = make_certificate(client, "shop.alpha.test", days=200)
    Certificate.objects.filter(pk=new.pk).update(replaces=old)
    endpoint = Endpoint.objects.create(
        client=client, hostname="shop.alpha.test", port=443, certificate=new
    )
    if verified:
        VerificationResult.objects.create(
            endpoint=endpoint,
            outcome=VerificationOutcome.MATCH,
            served_fingerprint_sha256=new.fingerprint_sha256,
        )
    return new


def test_verified_replacement_stops_notices(client_a, people):
    old = make_certificate(client_a, "shop.alpha.test", days=120)
    _replace(client_a, old, verified=True)
    assert run_expiry_check(_at_days(old, 30)).notices == 0


def test_unverified_replacement_keeps_notices(client_a, people):
    old = make_certificate(client_a, "shop.alpha.test", days=120)
    _replace(client_a, old, verified=False)
    assert run_expiry_check(_at_days(old, 30)).notices == 1


def test_uninstalled_renewal_escalated_once(client_a, people):
    old = make_certificate(client_a, "shop.alpha.test", days=120)
    _replace(client_a, old, verified=False)
    assert run_expiry_check(_at_days(old, 8)).escalations == 0
    assert run_expiry_check(_at_days(old, 7)).escalations == 1
    assert run_expiry_check(_at_days(old, 6)).escalations == 0
    assert RenewalEscalation.objects.get().certificate == old


def test_recipients(client_a, client_admin_a, sdm_a, tam_a, client_user_a, analyst):
    certificate = make_certificate(client_a, "shop.alpha.test")
    other_sdm = make_person("oli.sdm", Role.SERVICE_DELIVERY_MANAGER)
    names = [person.username for person in expiry_recipients(certificate)]
    assert names == ["amy.admin", "ann.user", "sam.sdm", "tia.tam"]
    assert other_sdm.username not in names
    assert analyst.username not in names


def test_recipients_follow_raci_override(
    client_a, client_admin_a, sdm_a, client_user_a
):
    from governance.models import Activity, ActivityOverride
    from governance.raci import Code

    certificate = make_certificate(client_a, "shop.alpha.test")
    activity = Activity.objects.get(code=Code.EXPIRATION_NOTIFICATION)
    ActivityOverride.objects.create(
        client=client_a, activity=activity, provider="", customer="A"
    )
    names = [person.username for person in expiry_recipients(certificate)]
    assert names == ["amy.admin"]


def test_job_queries_constant(client_a, people, django_assert_max_num_queries):
    def run(count: int) -> int:
        Certificate.objects.all().delete()
        for number in range(count):
            make_certificate(client_a, f"n{number}.alpha.test", days=200)
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            run_expiry_check()
        return len(queries)

    assert run(10) == run(100)


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_notify_once(require_service, client_a, people):
    if not uses_postgresql():
        require_service("PostgreSQL", "the test database is SQLite")
    certificates = [
        make_certificate(client_a, f"c{number}.alpha.test", days=120)
        for number in range(20)
    ]
    now = _at_days(certificates[0], 30)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait()
            run_expiry_check(now)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ExpiryNotification.objects.count() == 20
    # Three recipients each: the client admin, the client user and the SDM.
    assert Notice.objects.count() == 60


@pytest.mark.parametrize(
    ("status", "escalations"),
    [(OrderStatus.PENDING, 1), (OrderStatus.CANCELLED, 0)],
)
def test_renewal_order_escalated(client_a, people, status, escalations):
    old = make_certificate(client_a, "shop.alpha.test", days=120)
    Order.objects.create(
        client=client_a,
        provider=Provider.objects.create(name="Manual CA", kind=ProviderKind.MANUAL),
        csr=make_csr(client_a, ["shop.alpha.test"]),
        replaces=old,
        status=status,
    )
    assert run_expiry_check(_at_days(old, 7)).escalations == escalations
    assert RenewalEscalation.objects.count() == escalations


def test_tracking_bounded_by_horizon(client_a):
    from monitoring.expiry import tracked_certificates

    soon = make_certificate(client_a, "soon.alpha.test", days=30)
    far = make_certificate(client_a, "far.alpha.test", days=400)
    window = make_certificate(client_a, "window.alpha.test", days=300)
    Certificate.objects.filter(pk=window.pk).update(
        renewal_window_start=datetime.now(UTC) - timedelta(days=1)
    )
    tracked = set(tracked_certificates())
    assert soon in tracked
    assert window in tracked
    assert far not in tracked
