from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    KEY_GENERATED = "key_generated", "Private key generated"
    KEY_DOWNLOADED = "key_downloaded", "Private key downloaded"
    KEY_ROTATED = "key_rotated", "Private key re-encrypted"
    CERTIFICATE_IMPORTED = "certificate_imported", "Certificate imported"
    CERTIFICATE_ISSUED = "certificate_issued", "Certificate issued"
    CERTIFICATE_REVOKED = "certificate_revoked", "Certificate revoked"
    CERTIFICATE_DELETED = "certificate_deleted", "Certificate deleted"
    CERTIFICATE_EXPORTED = "certificate_exported", "Certificate exported"
    CSR_GENERATED = "csr_generated", "CSR generated"
    CSR_UPLOADED = "csr_uploaded", "CSR uploaded"
    REPORT_DOWNLOADED = "report_downloaded", "Report downloaded"
    OTHER = "other", "Other"


class AuditEvent(models.Model):
    """One sensitive action: who did what to which object, when and from where.

    The object, the client and the person are copied as text as well as linked,
    so the event keeps its meaning after any of them is deleted.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.SET_NULL, null=True, blank=True
    )
    client_name = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True)

    tenant_field = "client"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.object_repr}"
