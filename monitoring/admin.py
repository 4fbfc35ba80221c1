from django.contrib import admin

from accounts.admin_base import TenantScopedAdmin
from monitoring.models import (
    AvailabilityBreach,
    DriftAlert,
    InstallationTask,
    MonitoredDomain,
    MonitoringSettings,
    VerificationResult,
)


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(TenantScopedAdmin):
    list_display = ["client", "track_client_owned", "thresholds"]
    list_select_related = ["client"]


@admin.register(MonitoredDomain)
class MonitoredDomainAdmin(TenantScopedAdmin):
    list_display = [
        "target",
        "client",
        "interval_seconds",
        "is_active",
        "consecutive_failures",
        "last_checked_at",
    ]
    list_filter = ["is_active"]
    list_select_related = ["client"]
    search_fields = ["target"]


@admin.register(InstallationTask)
class InstallationTaskAdmin(TenantScopedAdmin):
    list_display = ["endpoint", "certificate", "status", "created_at", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["endpoint", "certificate"]
    raw_id_fields = ["endpoint", "certificate"]
    readonly_fields = ["created_by", "completed_at"]


@admin.register(VerificationResult)
class VerificationResultAdmin(TenantScopedAdmin):
    list_display = ["endpoint", "checked_at", "outcome", "protocol", "days_left"]
    list_filter = ["outcome"]
    list_select_related = ["endpoint"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DriftAlert)
class DriftAlertAdmin(TenantScopedAdmin):
    list_display = ["endpoint", "kind", "created_at", "resolved_at"]
    list_filter = ["kind"]
    list_select_related = ["endpoint"]
    raw_id_fields = ["endpoint"]


@admin.register(AvailabilityBreach)
class AvailabilityBreachAdmin(TenantScopedAdmin):
    list_display = ["domain", "month", "availability_percent", "objective_percent"]
    list_select_related = ["domain"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
