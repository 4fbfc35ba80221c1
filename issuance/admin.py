from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.admin_base import TenantScopedAdmin, TenantScopedInline
from issuance import quotes, services
from issuance.models import (
    Authorization,
    Order,
    Product,
    Provider,
    Quote,
    QuoteLine,
)


class ProviderForm(forms.ModelForm):
    directory_url = forms.URLField(
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=Provider._meta.get_field("directory_url").help_text,
    )
    eab_hmac_key = forms.CharField(
        label="EAB HMAC key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Base64url key from the CA. Stored encrypted and never shown; "
        "leave empty to keep the current key.",
    )

    class Meta:
        model = Provider
        fields = [
            "name",
            "kind",
            "directory_url",
            "contact_email",
            "ca_bundle_path",
            "challenge_type",
            "eab_key_id",
            "is_active",
        ]

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("eab_hmac_key")
        if key:
            try:
                self.instance.set_eab_hmac_key(key)
            except ValidationError as error:
                self.add_error("eab_hmac_key", error)
        return cleaned


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    """CAs are provider configuration; keys never appear on these pages."""

    form = ProviderForm
    list_display = ["name", "kind", "directory_url", "is_active", "has_account"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["account_url", "created_at"]

    @admin.display(boolean=True, description="ACME account")
    def has_account(self, provider) -> bool:
        return bool(provider.account_url)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "provider",
        "validation",
        "coverage",
        "term_years",
        "price",
        "currency",
        "is_active",
    ]
    list_filter = ["provider", "validation", "coverage", "is_active"]
    list_select_related = ["provider"]


class AuthorizationInline(TenantScopedInline, admin.TabularInline):
    model = Authorization
    fields = ["identifier", "status", "expires"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OrderAddForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ["csr", "provider", "responder", "quote"]

    def clean(self):
        cleaned = super().clean()
        csr, provider = cleaned.get("csr"), cleaned.get("provider")
        if csr and provider:
            try:
                services.check_can_order(
                    csr, provider, cleaned.get("quote"), cleaned.get("responder")
                )
            except ValidationError as error:
                self.add_error(None, error.messages)
        return cleaned


@admin.register(Order)
class OrderAdmin(TenantScopedAdmin):
    """Adding an order here starts it: the CSR goes to the CA at once."""

    list_display = ["pk", "client", "csr", "provider", "status", "created_at"]
    list_filter = ["status", "provider"]
    list_select_related = ["client", "csr", "provider"]
    search_fields = ["csr__common_name", "client__name"]
    inlines = [AuthorizationInline]
    readonly_fields = [
        "client",
        "csr",
        "provider",
        "quote",
        "responder",
        "status",
        "error_message",
        "order_url",
        "certificate",
        "replaces",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = OrderAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj else OrderAddForm.Meta.fields

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        order = services.start_order(
            data["csr"],
            data["provider"],
            actor=request.user,
            quote=data.get("quote"),
            responder=data["responder"],
        )
        obj.pk, obj.client, obj.status = order.pk, order.client, order.status


class QuoteLineInline(TenantScopedInline, admin.TabularInline):
    model = QuoteLine
    fields = ["description", "quantity", "unit_price", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class QuoteAddForm(forms.ModelForm):
    class Meta:
        model = Quote
        fields = [
            "client",
            "product",
            "csr",
            "name_count",
            "installations_per_certificate",
            "start_date",
        ]

    def clean(self):
        cleaned = super().clean()
        product, names = cleaned.get("product"), cleaned.get("name_count")
        if product is not None and names is not None:
            try:
                quotes.check_request(product, names)
            except ValidationError as error:
                self.add_error(None, error.messages)
        return cleaned

    def _post_clean(self):
        # The totals are computed on save; only the request fields are checked.
        pass


@admin.register(Quote)
class QuoteAdmin(TenantScopedAdmin):
    """Adding a quote prices it with today's price list."""

    list_display = ["pk", "client", "product", "total", "currency", "status"]
    list_filter = ["status"]
    list_select_related = ["client", "product"]
    inlines = [QuoteLineInline]
    readonly_fields = [
        "client",
        "product",
        "csr",
        "name_count",
        "installations_per_certificate",
        "start_date",
        "end_date",
        "certificates_issued",
        "domain_validations",
        "installations",
        "currency",
        "total",
        "status",
        "decided_at",
        "decided_by",
        "created_by",
        "created_at",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = QuoteAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj else QuoteAddForm.Meta.fields

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        quote = quotes.create_quote(
            data["client"],
            data["product"],
            name_count=data["name_count"],
            start_date=data["start_date"],
            installations_per_certificate=data["installations_per_certificate"],
            csr=data.get("csr"),
            actor=request.user,
        )
        obj.pk, obj.client, obj.total = quote.pk, quote.client, quote.total
        obj.currency = quote.currency
