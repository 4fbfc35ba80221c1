from celery import shared_task

from catalogue.services import mark_overdue
from certportal.jobs import single_instance


@shared_task(name="catalogue.mark_overdue_requests")
@single_instance("catalogue.mark_overdue_requests", timeout=600)
def mark_overdue_requests() -> int:
    """Record as missed the pending requests past their fulfilment due time."""
    return mark_overdue()
