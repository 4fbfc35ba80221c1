from django.db import models


class Category(models.TextChoices):
    CERTIFICATE_REQUEST = "certificate_request", "Certificate request"
    RENEWAL = "renewal", "Renewal"
    INSTALLATION = "installation", "Installation"
    INCIDENT = "incident", "Incident"
    QUESTION = "question", "Question"
    CHANGE_REQUEST = "change_request", "Change request"
    OTHER = "other", "Other"


class Level(models.TextChoices):
    """Impact and urgency share one scale."""

    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Priority(models.TextChoices):
    P1 = "P1", "P1 - critical"
    P2 = "P2", "P2 - high"
    P3 = "P3", "P3 - medium"
    P4 = "P4", "P4 - low"


# Impact x urgency -> priority. High/high is P1; high/medium and medium/high P2;
# high/low, medium/medium and low/high P3; everything else P4.
PRIORITY_MATRIX = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.LOW, Level.HIGH): Priority.P3,
}


def priority_for(impact: str, urgency: str) -> str:
    return PRIORITY_MATRIX.get((Level(impact), Level(urgency)), Priority.P4)


class Status(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


# The SLA clock stops in these statuses: the provider is waiting for the client
# (awaiting customer) or has finished (resolved, closed).
PAUSED_STATUSES = frozenset({Status.AWAITING_CUSTOMER})
STOPPED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
OPEN_STATUSES = frozenset(set(Status) - STOPPED_STATUSES)


class UpdateKind(models.TextChoices):
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    STATUS = "status", "Status changed"
    FIELD = "field", "Field changed"
    PRIORITY_OVERRIDE = "priority_override", "Priority overridden"
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"
    CALL = "call", "Telephone call recorded"
    CALENDAR = "calendar", "SLA due times recomputed"


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    RESOLUTION = "resolution", "Resolution"


class Measure(models.TextChoices):
    BUSINESS = "business", "Business minutes of the client's calendar"
    CLOCK = "clock", "Clock minutes (24x7)"


class NoticeKind(models.TextChoices):
    CLOSURE_WARNING = "closure_warning", "Closes soon without an answer"
    AUTO_CLOSED = "auto_closed", "Closed without an answer"
