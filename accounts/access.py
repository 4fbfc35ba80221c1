"""Role checks for portal views and API endpoints.

Tenancy (which client's rows a person may read) is decided by accounts.tenancy.
These helpers decide only which roles may open a page or call an endpoint.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def has_role(user, roles) -> bool:
    return bool(user and user.is_authenticated and user.role in roles)


def role_required(*roles: str) -> Callable:
    """Decorate a view so that only signed-in people with one of `roles` reach it.

    Anonymous visitors are sent to the sign-in page; people with another role get
    a 403 page.
    """
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, allowed):
                raise PermissionDenied("Your role cannot open this page.")
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


class HasRole(BasePermission):
    """DRF permission: the person's role is one of `roles`.

    Use `HasRole.of(Role.CLIENT_ADMIN, ...)` in `permission_classes`, because DRF
    instantiates permission classes without arguments.
    """

    roles: frozenset[str] = frozenset()
    message = "Your role cannot use this endpoint."

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type("HasRole", (cls,), {"roles": frozenset(roles)})

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, self.roles)
