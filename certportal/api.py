"""Shared pieces of the REST API: pagination, the error format, tenant scoping."""

import logging

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.tenancy import scope

logger = logging.getLogger(__name__)


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Render every API error as {"error": {"code", "message", "fields"}}.

    `fields` maps a field name to its messages and is present only for
    validation errors. Unexpected exceptions are left to Django (logged, 500)
    so that no stack trace or internal message reaches the caller.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        detail = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail}
        )
        fields = {name: _flatten(messages) for name, messages in detail.items()}
        first = next(iter(fields.items()))
        message = f"{first[0]}: {first[1][0]}" if first[1] else "Invalid input."
        response.data = {
            "error": {"code": "invalid", "message": message, "fields": fields}
        }
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": {"code": code, "message": str(detail)}}
    return response


def _flatten(messages) -> list[str]:
    if isinstance(messages, dict):
        return [
            f"{key}: {text}"
            for key, value in messages.items()
            for text in _flatten(value)
        ]
    if isinstance(messages, (list, tuple)):
        return [text for item in messages for text in _flatten(item)]
    return [str(messages)]


class TenantScopedViewSetMixin:
    """Every viewset over client data starts from a scoped queryset."""

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)


class TenantScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key field whose choices are scoped to the requesting person, so an
    id of another client's object is reported as not existing."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        return scope(queryset, request.user if request else None)


class ModelCleanSerializerMixin:
    """Run the model's full_clean() so the API rejects what the forms reject."""

    clean_exclude: tuple[str, ...] = ()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = self.instance or model()
        for name, value in attrs.items():
            field = model._meta.get_field(name) if _has_field(model, name) else None
            if field is not None and not field.many_to_many:
                setattr(instance, name, value)
        try:
            instance.full_clean(exclude=list(self.clean_exclude), validate_unique=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
