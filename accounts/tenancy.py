"""The one mechanism that decides which clients' data a person may see.

Every model holding client data names the path from itself to its Client in a
`tenant_field` class attribute ("client", "ticket__client", or "pk" on Client
itself). `scope(queryset, user)` filters any queryset by that path, and every
portal view, admin page, API endpoint and export reaches its rows through it:
views through `TenantScopedMixin` or `get_for_user_or_404`, the admin through
`accounts.admin_base.TenantScopedAdmin`, the API through
`certportal.api.TenantScopedViewSetMixin`.

Who sees what:
- client users and client admins: their own client only;
- service delivery and technical account managers: the clients assigned to them;
- L1 analysts and administrators: every client.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import Http404

from accounts.roles import ALL_CLIENT_ROLES, ASSIGNABLE_ROLES, CLIENT_ROLES

ALL_CLIENTS = None  # sentinel returned by visible_client_ids for unrestricted roles


def visible_client_ids(user) -> frozenset[int] | None:
    """Return the ids of the clients `user` may see, or ALL_CLIENTS (None).

    The result is cached on the user object for the length of the request.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_visible_client_ids", False)
    if cached is not False:
        return cached

    if user.role in ALL_CLIENT_ROLES:
        result = ALL_CLIENTS
    elif user.role in CLIENT_ROLES:
        result = frozenset([user.client_id]) if user.client_id else frozenset()
    elif user.role in ASSIGNABLE_ROLES:
        result = frozenset(user.assigned_clients.values_list("pk", flat=True))
    else:
        result = frozenset()
    user._visible_client_ids = result
    return result


def tenant_path(model) -> str:
    path = getattr(model, "tenant_field", None)
    if not path:
        raise ImproperlyConfigured(
            f"{model.__name__} has no tenant_field, so it cannot be scoped to a "
            "client. Set tenant_field to the lookup path of its Client."
        )
    return path


def scope(queryset: models.QuerySet, user) -> models.QuerySet:
    """Restrict `queryset` to the rows of the clients `user` may see."""
    ids = visible_client_ids(user)
    if ids is ALL_CLIENTS:
        return queryset
    path = tenant_path(queryset.model)
    lookup = "pk__in" if path == "pk" else f"{path}__in"
    return queryset.filter(**{lookup: ids})


def can_see_client(user, client_id: int | None) -> bool:
    ids = visible_client_ids(user)
    return ids is ALL_CLIENTS or client_id in ids


def get_for_user_or_404(queryset_or_model, user, **lookup):
    """Fetch one object the user may see, or raise Http404 (never 403: an object
    of another client must look exactly like one that does not exist)."""
    queryset = queryset_or_model
    if isinstance(queryset_or_model, type):
        queryset = queryset_or_model._default_manager.all()
    try:
        return scope(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404(
            f"No {queryset.model._meta.verbose_name} matches the request."
        ) from None


class TenantQuerySet(models.QuerySet):
    def for_user(self, user) -> models.QuerySet:
        return scope(self, user)


class TenantScopedMixin:
    """For class-based views: every queryset the view builds is scoped first."""

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)
