from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.admin_base import TenantScopedAdmin
from accounts.models import ApiToken, Client, User


@admin.register(Client)
class ClientAdmin(TenantScopedAdmin):
    list_display = ["name", "slug", "support_location", "time_zone", "country"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class PortalUserAdmin(TenantScopedAdmin, UserAdmin):
    list_display = ["username", "email", "role", "client", "is_active"]
    list_filter = ["role", "is_active", "client"]
    list_select_related = ["client"]
    search_fields = ["username", "email", "first_name", "last_name"]
    filter_horizontal = ["assigned_clients"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "phone")}),
        ("Role", {"fields": ("role", "client", "assigned_clients", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "role",
                    "client",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(ApiToken)
class ApiTokenAdmin(TenantScopedAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
    exclude = ["digest"]

    def has_add_permission(self, request):
        return False
