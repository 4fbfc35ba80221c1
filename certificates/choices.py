from django.db import models


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    REPLACED = "replaced", "Replaced"


class PurchasedThrough(models.TextChoices):
    PROVIDER = "provider", "Bought through the provider"
    CLIENT = "client", "Client-owned"


class KeyAlgorithm(models.TextChoices):
    RSA = "rsa", "RSA"
    EC = "ec", "ECDSA"
    ED25519 = "ed25519", "Ed25519"
    ED448 = "ed448", "Ed448"
    DSA = "dsa", "DSA"


class ServerType(models.TextChoices):
    NGINX = "nginx", "nginx"
    APACHE = "apache", "Apache httpd"
    IIS = "iis", "Microsoft IIS"
    HAPROXY = "haproxy", "HAProxy"
    JAVA = "java", "Java (keystore)"
    OTHER = "other", "Other"


class CsrSource(models.TextChoices):
    GENERATED = "generated", "Generated in the portal"
    UPLOADED = "uploaded", "Uploaded by the client"


class CsrState(models.TextChoices):
    NEW = "new", "New"
    APPROVED = "approved", "Approved"
    ORDERED = "ordered", "Ordered"
    ISSUED = "issued", "Issued"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
