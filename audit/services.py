import logging

from django.db import models

from audit.models import AuditAction, AuditEvent

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The address of the person making the request.

    REMOTE_ADDR only: X-Forwarded-For can be forged by anyone unless a trusted
    proxy rewrites it, and the deployment's proxy sets REMOTE_ADDR correctly.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: AuditAction,
    obj: models.Model,
    *,
    client=None,
    request=None,
    actor=None,
    **detail,
) -> AuditEvent:
    """Store an audit event for `obj`. `detail` must never contain a secret."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if client is None:
        client = getattr(obj, "client", None)
    event = AuditEvent.objects.create(
        action=action,
        client=client,
        client_name=str(client) if client else "",
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        ip_address=client_ip(request),
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        detail=detail,
    )
    logger.info(
        "audit action=%s object=%s:%s actor=%s",
        action,
        event.object_type,
        event.object_id,
        event.actor_username or "-",
    )
    return event
