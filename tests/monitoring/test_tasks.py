from django.conf import settings
from django.core.cache import cache

from certportal.celery import app
from monitoring import tasks
from monitoring.models import ExpiryNotification
from tests.certificates_factories import make_certificate

JOBS = {
    "monitoring-check-expiry": "monitoring.check_expiry",
    "monitoring-verify-endpoints": "monitoring.verify_endpoints",
    "monitoring-check-domains": "monitoring.check_domains",
    "monitoring-rollup-domain-checks": "monitoring.rollup_domain_checks",
}


def test_beat_schedules_jobs():
    for entry, task_name in JOBS.items():
        assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] == task_name
        assert task_name in app.tasks


def test_expiry_task_runs(client_a, client_admin_a):
    make_certificate(client_a, "soon.alpha.test", days=5)
    result = tasks.check_expiry.delay().get()
    assert result["notices"] == 1
    assert ExpiryNotification.objects.count() == 1


def test_job_skipped_while_locked(client_a, client_admin_a):
    make_certificate(client_a, "soon.alpha.test", days=5)
    cache.add("job-lock:monitoring.check_expiry", "1", 60)
    try:
        assert tasks.check_expiry.delay().get() is None
    finally:
        cache.delete("job-lock:monitoring.check_expiry")
    assert ExpiryNotification.objects.count() == 0


def test_verify_missing_endpoint(db):
    assert tasks.verify_endpoint.delay(987654).get() is None
