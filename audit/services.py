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


def record_many(
    action: AuditAction,
    objects: list[models.Model],
    *,
    client=None,
    request=None,
    actor=None,
    **detail,
) -> int:
    """Store one audit event per object in a single bulk insert; return the count.

    For imports of thousands of rows, where one INSERT per event would dominate
    the run time. `detail` is shared by every event and must never contain a secret.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    ip_address = client_ip(request)
    events = []
    for obj in objects:
        owner = client if client is not None else getattr(obj, "client", None)
        events.append(
            AuditEvent(
                action=action,
                client=owner,
                client_name=str(owner) if owner else "",
                actor=actor,
                actor_username=actor.get_username() if actor else "",
                ip_address=ip_address,
                object_type=obj._meta.label,
                object_id=str(obj.pk),
                object_repr=str(obj)[:300],
                detail=detail,
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    logger.info(
        "audit action=%s count=%d actor=%s",
        action,
        len(events),
        actor.get_username() if actor else "-",
    )
    return len(events)
