"""Load the RACI matrix of the four services the provider offers.

The contract fixes these letters:
- generate CSR, generate the authorization request, install the certificate and
  the pricing quote: provider R and A, customer I;
- certificate expiration notification, domain ownership confirmation and
  auto-renewal: customer R and A, provider I;
- raising requests: both R, customer A;
- P1 telephone follow-up and categorising and prioritising requests: provider R
  and A, customer C and I;
- approval of scope changes: customer R and A (the provider is Consulted,
  because it assesses the change first).

The contract names the remaining activities without letters. These are the
letters a managed service provider would choose, editable in the admin:
- full information in new requests and answering requests for information:
  customer R and A (only the customer has the facts), provider C;
- regular ticket updates: provider R and A, customer I;
- confirming closure: customer R and A (the customer decides the service is
  restored), provider I;
- service reports and incident reports: provider R and A, customer I;
- review meetings: provider R and A, customer C (the customer attends);
- change assessment and change implementation (TAM service): provider R and A,
  customer C for the assessment and I for the implementation.
"""

from django.db import migrations

SERVICES = [
    ("ssl_certificate_service", "SSL certificate service", 10),
    ("service_desk", "Service desk", 20),
    ("service_delivery_management", "Service Delivery Manager service", 30),
    ("technical_account_management", "Technical Account Manager service", 40),
]

# (service code, activity code, name, provider letters, customer letters)
ACTIVITIES = [
    ("ssl_certificate_service", "generate_csr", "Generate the CSR", "RA", "I"),
    (
        "ssl_certificate_service",
        "generate_authorization_request",
        "Generate the authorization request",
        "RA",
        "I",
    ),
    (
        "ssl_certificate_service",
        "install_certificate",
        "Install the certificate",
        "RA",
        "I",
    ),
    ("ssl_certificate_service", "pricing_quote", "Pricing quote", "RA", "I"),
    (
        "ssl_certificate_service",
        "expiration_notification",
        "Certificate expiration notification",
        "I",
        "RA",
    ),
    (
        "ssl_certificate_service",
        "domain_ownership_confirmation",
        "Domain ownership confirmation",
        "I",
        "RA",
    ),
    ("ssl_certificate_service", "auto_renewal", "Auto-renewal", "I", "RA"),
    ("service_desk", "raise_request", "Raising requests", "R", "RA"),
    (
        "service_desk",
        "p1_telephone_follow_up",
        "P1 telephone follow-up",
        "RA",
        "CI",
    ),
    (
        "service_desk",
        "categorise_and_prioritise",
        "Categorising and prioritising requests",
        "RA",
        "CI",
    ),
    (
        "service_desk",
        "full_information",
        "Full information in new requests",
        "C",
        "RA",
    ),
    ("service_desk", "ticket_updates", "Regular ticket updates", "RA", "I"),
    (
        "service_desk",
        "answer_information_requests",
        "Answering requests for information",
        "C",
        "RA",
    ),
    ("service_desk", "confirm_closure", "Confirming closure", "I", "RA"),
    (
        "service_delivery_management",
        "service_reports",
        "Service reports",
        "RA",
        "I",
    ),
    (
        "service_delivery_management",
        "review_meetings",
        "Review meetings",
        "RA",
        "C",
    ),
    (
        "service_delivery_management",
        "approve_scope_change",
        "Approval of scope changes",
        "C",
        "RA",
    ),
    (
        "technical_account_management",
        "incident_reports",
        "Incident reports",
        "RA",
        "I",
    ),
    (
        "technical_account_management",
        "change_assessment",
        "Change assessment",
        "RA",
        "C",
    ),
    (
        "technical_account_management",
        "change_implementation",
        "Change implementation",
        "RA",
        "I",
    ),
]


def load(apps, schema_editor):
    Service = apps.get_model("governance", "Service")
    Activity = apps.get_model("governance", "Activity")
    services = {}
    for code, name, order in SERVICES:
        services[code], _ = Service.objects.update_or_create(
            code=code, defaults={"name": name, "order": order}
        )
    for order, (service, code, name, provider, customer) in enumerate(ACTIVITIES):
        Activity.objects.update_or_create(
            code=code,
            defaults={
                "service": services[service],
                "name": name,
                "order": (order + 1) * 10,
                "provider": provider,
                "customer": customer,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("governance", "Activity").objects.filter(
        code__in=[row[1] for row in ACTIVITIES]
    ).delete()
    apps.get_model("governance", "Service").objects.filter(
        code__in=[row[0] for row in SERVICES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_raci_changes_incident_reports")]

    operations = [migrations.RunPython(load, unload)]
