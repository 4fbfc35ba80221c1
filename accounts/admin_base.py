from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist

from accounts.tenancy import scope


def _is_scoped(model) -> bool:
    return bool(getattr(model, "tenant_field", None))


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A "By client" style filter that offers only the objects the person may see,
    so an SDM's filter never names a client that is not assigned to them."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        related = scope(field.related_model._default_manager.all(), request.user)
        if ordering:
            related = related.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in related]


def _scoped_filter(model, entry):
    """Swap a plain foreign-key filter to client data for the scoped one."""
    if not isinstance(entry, str) or "__" in entry:
        return entry
    try:
        field = model._meta.get_field(entry)
    except FieldDoesNotExist:
        return entry
    related = getattr(field, "related_model", None)
    if field.is_relation and related is not None and _is_scoped(related):
        return (entry, ScopedRelatedFieldListFilter)
    return entry


class TenantScopedAdmin(admin.ModelAdmin):
    """Admin base for client data: lists, change pages and choice fields all pass
    through `accounts.tenancy.scope`, so an SDM sees only assigned clients.

    An object outside the person's clients behaves as if it did not exist: the
    admin redirects to its index with "doesn't exist" rather than showing it.
    """

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def get_list_filter(self, request):
        return [
            _scoped_filter(self.model, entry)
            for entry in super().get_list_filter(request)
        ]

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
