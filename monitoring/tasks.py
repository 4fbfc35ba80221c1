"""Celery tasks of the monitoring app; each is a thin caller of one service."""

from celery import shared_task

from certificates.models import Endpoint
from certportal.jobs import single_instance
from monitoring import domains, expiry, verification


@shared_task(name="monitoring.check_expiry", bind=True)
@single_instance("monitoring.check_expiry")
def check_expiry(self) -> dict | None:
    summary = expiry.run_expiry_check()
    return summary.__dict__


@shared_task(name="monitoring.verify_endpoints", bind=True)
@single_instance("monitoring.verify_endpoints")
def verify_endpoints(self) -> int:
    return verification.verify_all()


@shared_task(name="monitoring.verify_endpoint", bind=True)
def verify_endpoint(self, endpoint_id: int) -> str | None:
    endpoint = Endpoint.objects.select_related("client").filter(pk=endpoint_id).first()
    if endpoint is None:
        return None
    return verification.verify_endpoint(endpoint).outcome


@shared_task(name="monitoring.check_domains", bind=True)
@single_instance("monitoring.check_domains", timeout=300)
def check_domains(self) -> int:
    return len(domains.run_checks())


@shared_task(name="monitoring.rollup_domain_checks", bind=True)
@single_instance("monitoring.rollup_domain_checks")
def rollup_domain_checks(self) -> None:
    domains.rollup_and_prune()
