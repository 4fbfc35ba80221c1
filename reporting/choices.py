from django.db import models


class ReportKind(models.TextChoices):
    SSL_MONTHLY = "ssl_monthly", "Monthly SSL certificate report"
    SERVICE_REVIEW = "service_review", "Service review report"


class ReportState(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Generating"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel workbook"
    PDF = "pdf", "PDF"


class SloKind(models.TextChoices):
    DOMAIN_AVAILABILITY = "domain_availability", "Domain availability"
    CATALOGUE_FULFILMENT = "catalogue_fulfilment", "Catalogue fulfilment"
    TICKET_FIRST_RESPONSE = "ticket_first_response", "Ticket first response"
    TICKET_RESOLUTION = "ticket_resolution", "Ticket resolution"
