"""Celery tasks of the governance app: thin callers of the domain functions."""

import logging

from celery import shared_task

from certportal.jobs import single_instance

logger = logging.getLogger(__name__)


@shared_task(name="governance.send_change_notice", bind=True)
def send_change_notice(self, decision_id: int) -> int:
    from governance.notices import change_notice

    return change_notice(decision_id)


@shared_task(name="governance.send_report_notice", bind=True)
def send_report_notice(self, report_id: int) -> int:
    from governance.notices import report_notice

    return report_notice(report_id)


@shared_task(name="governance.poll_mailbox", bind=True)
@single_instance("governance.poll_mailbox", timeout=600)
def poll_mailbox(self) -> int:
    from governance.mailbox import poll

    return poll()
