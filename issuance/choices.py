from django.db import models


class ProviderKind(models.TextChoices):
    ACME = "acme", "ACME (RFC 8555)"
    MANUAL = "manual", "Manual (CSR submitted on the CA's site)"


class ChallengeType(models.TextChoices):
    HTTP_01 = "http-01", "HTTP-01"
    DNS_01 = "dns-01", "DNS-01"


class ChallengeResponder(models.TextChoices):
    PORTAL = "portal", "The portal serves the HTTP-01 token"
    CLIENT = "client", "The client publishes the token or TXT record"


class OrderStatus(models.TextChoices):
    AWAITING_QUOTE = "awaiting_quote", "Waiting for the client to accept the quote"
    PENDING = "pending", "Waiting to be sent to the CA"
    AWAITING_CLIENT = "awaiting_client", "Waiting for the client to publish challenges"
    VALIDATING = "validating", "The CA is validating the domains"
    FINALIZING = "finalizing", "The CA is issuing the certificate"
    AWAITING_UPLOAD = "awaiting_upload", "Waiting for the certificate from the CA"
    ISSUED = "issued", "Issued"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# An order in one of these states no longer blocks a new order for its CSR.
CLOSED_ORDER_STATUSES = (OrderStatus.FAILED, OrderStatus.CANCELLED)


class AcmeStatus(models.TextChoices):
    """Status values of ACME authorizations and challenges (RFC 8555 section 7.1.6)."""

    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    VALID = "valid", "Valid"
    INVALID = "invalid", "Invalid"
    DEACTIVATED = "deactivated", "Deactivated"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ValidationLevel(models.TextChoices):
    DV = "dv", "Domain validated (DV)"
    OV = "ov", "Organisation validated (OV)"
    EV = "ev", "Extended validation (EV)"


class Coverage(models.TextChoices):
    SINGLE = "single", "Single name"
    WILDCARD = "wildcard", "Wildcard"
    MULTI_DOMAIN = "multi", "Multi-domain"


class QuoteStatus(models.TextChoices):
    SENT = "sent", "Waiting for the client"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class RevocationReason(models.IntegerChoices):
    """CRL reason codes that ACME accepts (RFC 5280 section 5.3.1)."""

    UNSPECIFIED = 0, "Unspecified"
    KEY_COMPROMISE = 1, "Key compromise"
    AFFILIATION_CHANGED = 3, "Affiliation changed"
    SUPERSEDED = 4, "Superseded"
    CESSATION_OF_OPERATION = 5, "Cessation of operation"
