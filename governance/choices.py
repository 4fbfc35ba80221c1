from django.db import models


class Party(models.TextChoices):
    PROVIDER = "provider", "Provider"
    CUSTOMER = "customer", "Customer"


class RaciLetter(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard (pre-approved)"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class ChangeState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ASSESSMENT = "assessment", "Assessment"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    IMPLEMENTED = "implemented", "Implemented"
    REVIEWED = "reviewed", "Reviewed"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class EmergencyReason(models.TextChoices):
    INCIDENT = "incident", "Resolve a P1 or P2 incident"
    SECURITY_PATCH = "security_patch", "Apply an emergency security patch"


class ReportState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class InboundOutcome(models.TextChoices):
    REPLY_ADDED = "reply_added", "Added as a public reply"
    TICKET_OPENED = "ticket_opened", "Opened a ticket"
    IGNORED = "ignored", "Ignored"
    REJECTED = "rejected", "Rejected"
