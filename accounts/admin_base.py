from django.contrib import admin

from accounts.tenancy import scope


def _is_scoped(model) -> bool:
    return bool(getattr(model, "tenant_field", None))


class TenantScopedAdmin(admin.ModelAdmin):
    """Admin base for client data: lists, change pages and choice fields all pass
    through `accounts.tenancy.scope`, so an SDM sees only assigned clients.

    An object outside the person's clients behaves as if it did not exist: the
    admin redirects to its index with "doesn't exist" rather than showing it.
    """

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if _is_scoped(related) and "queryset" not in kwargs:
            kwargs["queryset"] = scope(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if _is_scoped(related) and "queryset" not in kwargs:
            kwargs["queryset"] = scope(related._default_manager.all(), request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TenantScopedInline:
    """Mixin for inlines, with the same scoping of choice fields."""

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if _is_scoped(related) and "queryset" not in kwargs:
            kwargs["queryset"] = scope(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
