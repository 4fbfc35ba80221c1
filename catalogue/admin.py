from django.contrib import admin

from accounts.admin_base import TenantScopedAdmin
from catalogue.models import CatalogueItem, CatalogueRequest, Subscription


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "service",
        "target_label",
        "included_per_month",
        "price_per_extra",
        "currency",
        "is_active",
    ]
    list_filter = ["service", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Subscription)
class SubscriptionAdmin(TenantScopedAdmin):
    list_display = ["client", "service", "starts_on", "ends_on"]
    list_filter = ["service"]
    list_select_related = ["client"]
    search_fields = ["client__name"]


@admin.register(CatalogueRequest)
class CatalogueRequestAdmin(TenantScopedAdmin):
    """Open requests by due time: the analysts' fulfilment queue."""

    list_display = [
        "__str__",
        "client",
        "item",
        "ticket",
        "due_at",
        "fulfilment",
        "chargeable",
        "price",
    ]
    list_filter = ["fulfilment", "item", "chargeable", "client"]
    list_select_related = ["client", "item", "ticket"]
    ordering = ["fulfilment", "due_at"]
    search_fields = ["client__name", "item__name"]
    readonly_fields = [
        "client",
        "item",
        "requester",
        "ticket",
        "period",
        "sequence",
        "chargeable",
        "price",
        "currency",
        "answers",
        "certificates",
        "renewal_csr",
        "submitted_at",
        "due_at",
        "fulfilled_at",
        "fulfilment",
    ]

    def has_add_permission(self, request):
        # Requests are submitted by clients, so their allowance is counted.
        return False
