from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantQuerySet
from certificates.choices import (
    CertificateStatus,
    CsrSource,
    CsrState,
    KeyAlgorithm,
    PurchasedThrough,
    ServerType,
)
from certificates.encryption import decrypt, encrypt


class PrivateKey(models.Model):
    """A private key in the portal's custody, stored only as a Fernet token.

    The plaintext exists only in memory while a CSR is signed, a bundle is built
    or an audited download runs. `__str__` and `__repr__` never include it.
    """

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="private_keys"
    )
    algorithm = models.CharField(max_length=20, choices=KeyAlgorithm.choices)
    key_size = models.PositiveIntegerField(
        help_text="Bits: the modulus for RSA, the curve size for ECDSA."
    )
    public_key_sha256 = models.CharField(
        max_length=64,
        db_index=True,
        help_text="SHA-256 of the DER SubjectPublicKeyInfo; matches certificates.",
    )
    encrypted_pem = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"
    # Fields `manage.py rotate_encryption_key` re-encrypts; any model may declare it.
    ENCRYPTED_FIELDS = ("encrypted_pem",)

    def __str__(self) -> str:
        return f"{self.get_algorithm_display()} key {self.public_key_sha256[:16]}"

    __repr__ = __str__

    def set_pem(self, pem: bytes) -> None:
        """Encrypt an unencrypted PKCS#8 PEM into this row (not yet saved)."""
        self.encrypted_pem = encrypt(pem)

    def get_pem(self) -> bytes:
        """Decrypt the PKCS#8 PEM. Callers that hand it to a person must audit."""
        return decrypt(bytes(self.encrypted_pem))


class Endpoint(models.Model):
    """A device or service where a certificate is installed and can be probed."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="endpoints"
    )
    hostname = models.CharField(max_length=253)
    port = models.PositiveIntegerField(default=443)
    sni_name = models.CharField(
        max_length=253,
        blank=True,
        help_text="Server name sent in TLS; defaults to the host name.",
    )
    server_type = models.CharField(
        max_length=20, choices=ServerType.choices, default=ServerType.NGINX
    )
    description = models.CharField(max_length=200, blank=True)
    certificate = models.ForeignKey(
        "Certificate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="endpoints",
        help_text="The certificate this endpoint should serve.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["hostname", "port"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "hostname", "port", "sni_name"],
                name="endpoint_unique_per_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.port}"

    @property
    def server_name(self) -> str:
        return self.sni_name or self.hostname

    def clean(self) -> None:
        from certificates.endpoints import clean_endpoint

        clean_endpoint(self)


class CertificateSigningRequest(models.Model):
    """A CSR, generated in the portal (with its key) or uploaded by the client."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="csrs"
    )
    system = models.CharField(
        max_length=200, help_text="The system the certificate is for, e.g. web shop."
    )
    common_name = models.CharField(max_length=253)
    organization = models.CharField(max_length=64, blank=True)
    locality = models.CharField(max_length=128, blank=True)
    state_or_province = models.CharField(max_length=128, blank=True)
    country = models.CharField(max_length=2, blank=True)
    dns_names = models.JSONField(
        default=list, help_text="Subject alternative names in A-label form."
    )
    key_algorithm = models.CharField(max_length=20, choices=KeyAlgorithm.choices)
    key_size = models.PositiveIntegerField()
    pem = models.TextField()
    public_key_sha256 = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=20, choices=CsrSource.choices)
    state = models.CharField(
        max_length=20, choices=CsrState.choices, default=CsrState.NEW
    )
    private_key = models.OneToOneField(
        PrivateKey,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="csr",
        help_text="Set when the portal generated the key.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "certificate signing request"

    def __str__(self) -> str:
        return f"CSR {self.common_name} ({self.system})"


class Certificate(models.Model):
    """An X.509 certificate in a client's inventory.

    Every descriptive field is derived from the parsed certificate when the row
    is created (see certificates.services), never typed in by hand.
    """

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="certificates"
    )
    common_name = models.CharField(max_length=253, blank=True)
    subject = models.TextField(help_text="RFC 4514 string of the subject.")
    issuer = models.TextField(help_text="RFC 4514 string of the issuer.")
    issuer_common_name = models.CharField(max_length=253, blank=True)
    serial_number = models.CharField(max_length=128, help_text="Hexadecimal.")
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    dns_names = models.JSONField(
        default=list, help_text="DNS subject alternative names in A-label form."
    )
    ip_addresses = models.JSONField(default=list, blank=True)
    key_algorithm = models.CharField(max_length=20, choices=KeyAlgorithm.choices)
    key_size = models.PositiveIntegerField()
    signature_algorithm = models.CharField(max_length=60)
    fingerprint_sha256 = models.CharField(max_length=64)
    public_key_sha256 = models.CharField(max_length=64, db_index=True)
    pem = models.TextField()
    chain_pem = models.TextField(
        blank=True, help_text="Intermediates in order, leaf's issuer first."
    )
    purchased_through = models.CharField(
        max_length=20,
        choices=PurchasedThrough.choices,
        default=PurchasedThrough.PROVIDER,
    )
    status = models.CharField(
        max_length=20,
        choices=CertificateStatus.choices,
        default=CertificateStatus.ACTIVE,
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    private_key = models.ForeignKey(
        PrivateKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    csr = models.ForeignKey(
        CertificateSigningRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    # Suggested renewal window from the CA (ACME Renewal Information, RFC 9773).
    renewal_window_start = models.DateTimeField(null=True, blank=True)
    renewal_window_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["not_after", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "fingerprint_sha256"],
                name="certificate_fingerprint_unique_per_client",
            ),
            models.CheckConstraint(
                condition=Q(not_after__gte=models.F("not_before")),
                name="certificate_validity_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "not_after"], name="cert_client_expiry"),
            models.Index(
                fields=["client", "status", "not_after"],
                name="cert_client_status_expiry",
            ),
            models.Index(fields=["status", "not_after"], name="cert_status_expiry"),
            models.Index(fields=["common_name"], name="cert_common_name"),
        ]

    def __str__(self) -> str:
        return f"{self.common_name or self.subject} (expires {self.not_after:%Y-%m-%d})"


class CertificateName(models.Model):
    """One DNS name of a certificate, for fast search by name across SANs."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="names"
    )
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE)
    name = models.CharField(max_length=253, help_text="A-label form, lower case.")

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "name"], name="certificate_name_unique"
            )
        ]
        indexes = [models.Index(fields=["client", "name"], name="certname_client_name")]

    def __str__(self) -> str:
        return self.name
