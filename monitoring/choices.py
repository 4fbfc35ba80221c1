from django.db import models


class NoticeKind(models.TextChoices):
    EXPIRY = "expiry", "Certificate expiring"
    RENEWAL_WINDOW = "renewal_window", "Renewal window open"
    RENEWAL_OVERDUE = "renewal_overdue", "Renewal not installed"
    DRIFT = "drift", "Endpoint drift"
    DOWNTIME = "downtime", "Domain down"
    RECOVERY = "recovery", "Domain recovered"


class InstallationStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Installed and verified"


class VerificationOutcome(models.TextChoices):
    MATCH = "match", "Serves the expected certificate"
    OTHER_CERTIFICATE = "other_certificate", "Serves another certificate"
    EXPIRED = "expired", "Serves an expired certificate"
    INCOMPLETE_CHAIN = "incomplete_chain", "Chain incomplete"
    NAME_MISMATCH = "name_mismatch", "Name does not match"
    FAILED = "failed", "Probe failed"
    REJECTED = "rejected", "Address not allowed"


class DriftKind(models.TextChoices):
    OTHER_CERTIFICATE = "other_certificate", "Serves another certificate"
    EXPIRED = "expired", "Serves an expired certificate"
    INCOMPLETE_CHAIN = "incomplete_chain", "Chain incomplete"


class DowntimeState(models.TextChoices):
    DOWN = "down", "Down"
    RECOVERED = "recovered", "Recovered"
