"""Cross-tenant cases for the monitoring app."""

from certificates.models import Endpoint
from monitoring.choices import NoticeKind, VerificationOutcome
from monitoring.models import (
    AvailabilityBreach,
    DriftAlert,
    InstallationTask,
    MonitoredDomain,
    MonitoringSettings,
    Notice,
    VerificationResult,
)
from tests.monitoring import pki


def build(client, client_admin) -> dict:
    certificate, _ = pki.store(client, "vault.bravo.test")
    endpoint = Endpoint.objects.create(
        client=client, hostname="vault.bravo.test", certificate=certificate
    )
    domain = MonitoredDomain.objects.create(
        client=client, target="https://vault.bravo.test:443/"
    )
    return {
        "monitoring_settings": MonitoringSettings.objects.create(client=client),
        "endpoint": endpoint,
        "installation_task": InstallationTask.objects.create(
            endpoint=endpoint, certificate=certificate
        ),
        "verification_result": VerificationResult.objects.create(
            endpoint=endpoint, outcome=VerificationOutcome.MATCH
        ),
        "drift_alert": DriftAlert.objects.create(
            endpoint=endpoint,
            kind="expired",
            served_fingerprint_sha256="0" * 64,
            detail="Bravo drift",
        ),
        "monitored_domain": domain,
        "availability_breach": AvailabilityBreach.objects.create(
            domain=domain,
            month="2026-05-01",
            availability_percent="99.0",
            objective_percent="99.5",
            checks=10,
        ),
        "notice": Notice.objects.create(
            client=client,
            recipient=client_admin,
            kind=NoticeKind.EXPIRY,
            title="Bravo notice",
            body="Bravo",
        ),
    }


URLS: dict = {
    "monitoring:notice_read": lambda o: {"pk": o["notice"].pk},
    "monitoring:endpoint_detail": lambda o: {"pk": o["endpoint"].pk},
    "monitoring:endpoint_install": lambda o: {"pk": o["endpoint"].pk},
    "monitoring:endpoint_verify": lambda o: {"pk": o["endpoint"].pk},
    "monitoring:installation_detail": lambda o: {"pk": o["installation_task"].pk},
    "monitoring:installation_bundle": lambda o: {"pk": o["installation_task"].pk},
    "monitoring:domain_detail": lambda o: {"pk": o["monitored_domain"].pk},
    "api:verification-result-detail": lambda o: {"pk": o["verification_result"].pk},
    "api:monitored-domain-detail": lambda o: {"pk": o["monitored_domain"].pk},
    "api:notice-detail": lambda o: {"pk": o["notice"].pk},
    "api:notice-read": lambda o: {"pk": o["notice"].pk},
}
