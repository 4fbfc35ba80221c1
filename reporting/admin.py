from django.contrib import admin

from accounts.admin_base import TenantScopedAdmin, TenantScopedInline
from reporting.models import Report, ReportFile, SloResult


class ReportFileInline(TenantScopedInline, admin.TabularInline):
    model = ReportFile
    fields = ["format", "file", "sha256", "size", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(TenantScopedAdmin):
    list_display = [
        "period",
        "client",
        "kind",
        "state",
        "progress",
        "row_count",
        "generated_at",
    ]
    list_filter = ["kind", "state", "period"]
    list_select_related = ["client"]
    search_fields = ["client__name"]
    date_hierarchy = "period"
    readonly_fields = [
        "client",
        "kind",
        "period",
        "state",
        "progress",
        "error",
        "row_count",
        "summary",
        "requested_by",
        "requested_at",
        "started_at",
        "generated_at",
    ]
    inlines = [ReportFileInline]

    # Reports are made by the generator only, so their facts cannot drift from
    # their files; the admin views and deletes them.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SloResult)
class SloResultAdmin(TenantScopedAdmin):
    list_display = ["period", "client", "kind", "subject", "target", "achieved", "met"]
    list_filter = ["kind", "met", "period"]
    list_select_related = ["client"]
    search_fields = ["client__name", "subject"]
    readonly_fields = [
        "client",
        "period",
        "kind",
        "subject",
        "target",
        "achieved",
        "met",
        "details",
        "computed_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
