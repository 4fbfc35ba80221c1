from django.db import models


class Service(models.TextChoices):
    """Services a client can subscribe to; catalogue items belong to one."""

    SSL_CERTIFICATES = "ssl_certificates", "SSL certificate service"
    SERVICE_DELIVERY_MANAGER = "service_delivery_manager", "Service Delivery Manager"
    TECHNICAL_ACCOUNT_MANAGER = "technical_account_manager", "Technical Account Manager"
    TELEPHONE_SUPPORT_24X7 = "telephone_support_24x7", "24/7 telephone support"
    DOMAIN_REGISTRATION = "domain_registration", "Domain registration"


class TargetUnit(models.TextChoices):
    BUSINESS_HOURS = "business_hours", "business hours"
    BUSINESS_DAYS = "business_days", "business days"
    CALENDAR_DAYS = "calendar_days", "calendar days"


class Criterion(models.TextChoices):
    """Qualifying rules beyond the subscription, checked when a request is submitted."""

    NO_REVIEW_IN_PAST_MONTH = (
        "no_review_in_past_month",
        "No review meeting in the past month",
    )


class FieldType(models.TextChoices):
    CERTIFICATE = "certificate", "One certificate"
    CERTIFICATES = "certificates", "Several certificates"
    TEXT = "text", "Text"
    DATE = "date", "Date"


class Fulfilment(models.TextChoices):
    PENDING = "pending", "Pending"
    MET = "met", "Met"
    MISSED = "missed", "Missed"


class Fulfiller(models.TextChoices):
    """The portal's action when a request of the item is submitted."""

    TICKET_ONLY = "ticket_only", "Open a ticket"
    RENEWAL = "renewal", "Create the renewal CSR"
    STATUS_REPORT = "status_report", "Answer with the certificates' status"
