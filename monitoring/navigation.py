from accounts.roles import Role
from accounts.tenancy import scope
from certificates.models import Certificate
from certportal.navigation import register_menu, register_panel
from monitoring.expiry import days_left, recently_expiring

EXPIRING_PANEL_ROWS = 10


def expiring_panel(request) -> dict:
    certificates = recently_expiring(
        scope(Certificate.objects.select_related("client"), request.user)
    )[:EXPIRING_PANEL_ROWS]
    from django.utils import timezone

    now = timezone.now()
    return {
        "rows": [
            (
                certificate,
                days_left(certificate.not_after, certificate.client.zone, now),
            )
            for certificate in certificates
        ]
    }


register_menu("Notices", "monitoring:notice_list", set(Role), order=20)
register_menu("Monitoring", "monitoring:domain_list", set(Role), order=60)
register_menu("Installations", "monitoring:endpoint_list", set(Role), order=61)
register_menu("Expiring soon", "monitoring:expiring", set(Role), order=25)
register_panel(
    "Certificates expiring within 30 days",
    "monitoring/panel_expiring.html",
    set(Role),
    context=expiring_panel,
    order=10,
)
