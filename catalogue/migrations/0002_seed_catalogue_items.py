"""Load the catalogue items the service starts with.

SSL Renewal Request: 24 business hours, 2 included a month, asks which certificate.
SSL Certificate Status: 24 business hours, 1 included a month, asks which certificates.
Review Meeting: 1 week, for clients with the Service Delivery Manager option and no
review in the past month. Domain Registration: optional service, 24 business hours.
Prices beyond the allowance are starting values for the provider to edit.
"""

from decimal import Decimal

from django.db import migrations

ITEMS = [
    {
        "code": "ssl-renewal-request",
        "name": "SSL Renewal Request",
        "description": "Renew a certificate: a new key and CSR for the same names, "
        "ordered from the certificate authority.",
        "service": "ssl_certificates",
        "target_value": 24,
        "target_unit": "business_hours",
        "included_per_month": 2,
        "price_per_extra": Decimal("45.00"),
        "fulfiller": "renewal",
        "form_fields": [
            {
                "name": "certificate",
                "label": "Certificate to renew",
                "type": "certificate",
                "required": True,
            },
            {"name": "notes", "label": "Notes", "type": "text", "required": False},
        ],
    },
    {
        "code": "ssl-certificate-status",
        "name": "SSL Certificate Status",
        "description": "The status, expiry, installation and last verification of "
        "the certificates you choose.",
        "service": "ssl_certificates",
        "target_value": 24,
        "target_unit": "business_hours",
        "included_per_month": 1,
        "price_per_extra": Decimal("25.00"),
        "fulfiller": "status_report",
        "form_fields": [
            {
                "name": "certificates",
                "label": "Certificates",
                "type": "certificates",
                "required": True,
            }
        ],
    },
    {
        "code": "review-meeting",
        "name": "Review Meeting",
        "description": "A service review meeting with your Service Delivery Manager.",
        "service": "service_delivery_manager",
        "target_value": 7,
        "target_unit": "calendar_days",
        "included_per_month": 1,
        "price_per_extra": Decimal("0.00"),
        "fulfiller": "ticket_only",
        "criteria": ["no_review_in_past_month"],
        "form_fields": [
            {
                "name": "preferred_date",
                "label": "Preferred date",
                "type": "date",
                "required": False,
            },
            {"name": "agenda", "label": "Agenda", "type": "text", "required": False},
        ],
    },
    {
        "code": "domain-registration",
        "name": "Domain Registration",
        "description": "Register a domain name on your behalf.",
        "service": "domain_registration",
        "target_value": 24,
        "target_unit": "business_hours",
        "included_per_month": 0,
        "price_per_extra": Decimal("30.00"),
        "fulfiller": "ticket_only",
        "form_fields": [
            {"name": "domain", "label": "Domain name", "type": "text", "required": True}
        ],
    },
]


def load_items(apps, schema_editor):
    CatalogueItem = apps.get_model("catalogue", "CatalogueItem")
    for item in ITEMS:
        fields = dict(item)
        CatalogueItem.objects.update_or_create(code=fields.pop("code"), defaults=fields)


def remove_items(apps, schema_editor):
    codes = [item["code"] for item in ITEMS]
    apps.get_model("catalogue", "CatalogueItem").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_catalogue_items_subscriptions_requests")]

    operations = [migrations.RunPython(load_items, remove_items)]
