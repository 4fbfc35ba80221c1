from django.contrib import admin

from accounts.admin_base import TenantScopedAdmin
from audit.models import AuditEvent
from certificates.filters import ScopedClientListFilter


@admin.register(AuditEvent)
class AuditEventAdmin(TenantScopedAdmin):
    """The audit trail, read-only: an event can be neither added, edited nor deleted."""

    list_display = [
        "created_at",
        "action",
        "object_repr",
        "client_name",
        "actor_username",
        "ip_address",
    ]
    list_filter = ["action", ScopedClientListFilter]
    search_fields = ["object_repr", "actor_username", "client_name", "object_id"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
