"""Admin console pages for analysts. Private keys have no admin page, and no
page renders an encrypted_pem field."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.admin_base import TenantScopedAdmin
from audit.models import AuditAction
from audit.services import record, record_many
from certificates.filters import (
    ExpiringWithinListFilter,
    ScopedClientListFilter,
    search_names,
)
from certificates.forms import ImportForm
from certificates.models import Certificate, CertificateSigningRequest, Endpoint


@admin.register(Certificate)
class CertificateAdmin(TenantScopedAdmin):
    list_display = [
        "common_name",
        "client",
        "issuer_common_name",
        "not_after",
        "status",
        "purchased_through",
        "has_private_key",
    ]
    list_filter = [
        "status",
        ExpiringWithinListFilter,
        "purchased_through",
        ScopedClientListFilter,
        "key_algorithm",
    ]
    list_select_related = ["client"]
    search_fields = ["common_name", "issuer_common_name", "serial_number"]
    date_hierarchy = "not_after"
    ordering = ["not_after"]
    fields = [
        "client",
        "status",
        "purchased_through",
        "replaces",
        "common_name",
        "subject",
        "issuer",
        "serial_number",
        "not_before",
        "not_after",
        "dns_names",
        "ip_addresses",
        "key_algorithm",
        "key_size",
        "signature_algorithm",
        "fingerprint_sha256",
        "has_private_key",
        "pem",
        "chain_pem",
        "created_at",
        "created_by",
    ]
    readonly_fields = [
        name
        for name in fields
        if name not in ("status", "purchased_through", "replaces")
    ]
    raw_id_fields = ["replaces"]

    @admin.display(boolean=True, description="Private key held")
    def has_private_key(self, obj) -> bool:
        return obj.private_key_id is not None

    def get_search_results(self, request, queryset, search_term):
        matched, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        by_name = search_names(queryset, search_term)
        return matched | by_name, may_have_duplicates

    def has_add_permission(self, request):
        return False  # certificates arrive through the import page or issuance

    def delete_model(self, request, obj):
        record(AuditAction.CERTIFICATE_DELETED, obj, request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        rows = list(queryset.select_related("client"))
        record_many(AuditAction.CERTIFICATE_DELETED, rows, request=request)
        super().delete_queryset(request, queryset)

    def get_urls(self):
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="certificates_certificate_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        """Import certificates through the same path as the portal and the API."""
        if not request.user.has_perm("certificates.add_certificate"):
            raise PermissionDenied
        form = ImportForm(request.user, request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = form.run_import(request)
            if result is not None:
                self.message_user(
                    request,
                    f"{len(result.created)} imported, {len(result.unchanged)} "
                    "already in the inventory.",
                    messages.SUCCESS,
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import certificates",
            "form": form,
            "result": result,
        }
        return render(request, "admin/certificates/import.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["import_url"] = reverse("admin:certificates_certificate_import")
        return super().changelist_view(request, extra_context)


@admin.register(CertificateSigningRequest)
class CertificateSigningRequestAdmin(TenantScopedAdmin):
    list_display = [
        "common_name",
        "client",
        "system",
        "key_algorithm",
        "key_size",
        "source",
        "state",
        "created_at",
    ]
    list_filter = ["state", "source", ScopedClientListFilter]
    list_select_related = ["client"]
    search_fields = ["common_name", "system"]
    exclude = ["private_key"]
    readonly_fields = [
        "client",
        "common_name",
        "dns_names",
        "organization",
        "locality",
        "state_or_province",
        "country",
        "key_algorithm",
        "key_size",
        "pem",
        "public_key_sha256",
        "source",
        "portal_holds_key",
        "created_at",
        "created_by",
    ]

    @admin.display(boolean=True, description="Key held by the portal")
    def portal_holds_key(self, obj) -> bool:
        return obj.private_key_id is not None

    def has_add_permission(self, request):
        return False  # CSRs are generated or uploaded through the portal or API


@admin.register(Endpoint)
class EndpointAdmin(TenantScopedAdmin):
    list_display = ["hostname", "port", "sni_name", "server_type", "client", "link"]
    list_filter = ["server_type", ScopedClientListFilter]
    list_select_related = ["client", "certificate"]
    search_fields = ["hostname", "sni_name", "description"]
    raw_id_fields = ["certificate"]

    @admin.display(description="Certificate")
    def link(self, obj):
        if obj.certificate_id is None:
            return "-"
        url = reverse(
            "admin:certificates_certificate_change", args=[obj.certificate_id]
        )
        return format_html('<a href="{}">{}</a>', url, obj.certificate.common_name)
