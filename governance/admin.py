from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.admin_base import TenantScopedAdmin, TenantScopedInline
from governance import changes, incidents
from governance.models import (
    Activity,
    ActivityOverride,
    ChangeDecision,
    ChangeRequest,
    InboundEmail,
    IncidentReport,
    Service,
    TimelineEntry,
)


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ["order", "code", "name", "provider", "customer"]
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    inlines = [ActivityInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "provider", "customer"]
    list_editable = ["provider", "customer"]
    list_filter = ["service"]
    list_select_related = ["service"]
    search_fields = ["name", "code"]

    def get_readonly_fields(self, request, obj=None):
        # The code names the row in governance.raci; renaming it would break
        # every check that refers to it.
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActivityOverride)
class ActivityOverrideAdmin(TenantScopedAdmin):
    list_display = ["client", "activity", "provider", "customer"]
    list_filter = ["client"]
    list_select_related = ["client", "activity"]


class ChangeDecisionInline(TenantScopedInline, admin.TabularInline):
    model = ChangeDecision
    fields = ["decided_at", "actor_name", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ChangeRequestAdminForm(forms.ModelForm):
    """Checks that linked rows belong to the change's client (ModelAdmin
    supplies the model and the fields)."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.client_id or cleaned.get("client"):
            self.instance.client = cleaned.get("client") or self.instance.client
            links = {
                name: cleaned.get(name) or []
                for name in ("certificates", "endpoints", "tickets")
            }
            try:
                changes.check_links(self.instance, **links)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(ChangeRequest)
class ChangeRequestAdmin(TenantScopedAdmin):
    form = ChangeRequestAdminForm
    list_display = ["__str__", "client", "change_type", "state", "window_start"]
    list_filter = ["state", "change_type", "client"]
    list_select_related = ["client"]
    search_fields = ["title", "reason"]
    readonly_fields = ["state", "requested_by", "created_at", "updated_at"]
    filter_horizontal = ["certificates", "endpoints", "tickets"]
    inlines = [ChangeDecisionInline]

    def get_readonly_fields(self, request, obj=None):
        # Past the draft, the request is what was assessed and approved, so it
        # changes only through the workflow.
        if obj is not None and obj.state != "draft":
            return [field.name for field in ChangeRequest._meta.fields] + [
                "certificates",
                "endpoints",
                "tickets",
            ]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.requested_by = request.user
        super().save_model(request, obj, form, change)


class TimelineEntryInline(TenantScopedInline, admin.TabularInline):
    model = TimelineEntry
    extra = 1


@admin.register(IncidentReport)
class IncidentReportAdmin(TenantScopedAdmin):
    list_display = ["title", "client", "ticket", "state", "published_at"]
    list_filter = ["state", "client"]
    list_select_related = ["client", "ticket"]
    search_fields = ["title"]
    readonly_fields = ["state", "published_at", "published_by", "created_by"]
    inlines = [TimelineEntryInline]
    actions = ["publish"]

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish to the client")
    def publish(self, request, queryset):
        for report in queryset:
            try:
                incidents.publish(report.pk, request.user)
            except ValidationError as exc:
                text = " ".join(exc.messages)
                self.message_user(request, f"{report}: {text}", messages.ERROR)
            except PermissionDenied as exc:
                self.message_user(request, f"{report}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{report}: published.", messages.SUCCESS)


@admin.register(InboundEmail)
class InboundEmailAdmin(TenantScopedAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "detail"]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "message_id"]
    readonly_fields = [field.name for field in InboundEmail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
