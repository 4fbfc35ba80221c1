from django.db.models.signals import post_save
from django.dispatch import receiver

from catalogue.choices import Fulfiller
from catalogue.fulfilment import certificate_stored
from catalogue.models import CatalogueRequest
from catalogue.services import record_fulfilment
from certificates.models import Certificate
from servicedesk.models import Ticket


@receiver(post_save, sender=Certificate, dispatch_uid="catalogue.certificate_stored")
def link_renewed_certificate(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        certificate_stored(instance)


@receiver(post_save, sender=Ticket, dispatch_uid="catalogue.ticket_resolved")
def record_resolution(sender, instance, raw=False, **kwargs):
    """Record a request as fulfilled when its ticket is resolved.

    Renewals are the exception: they are fulfilled when the new certificate is
    stored.
    """
    if raw or instance.resolved_at is None:
        return
    pending = CatalogueRequest.objects.filter(
        ticket_id=instance.pk, fulfilled_at__isnull=True
    ).exclude(item__fulfiller=Fulfiller.RENEWAL)
    for request in pending:
        record_fulfilment(request, instance.resolved_at)
