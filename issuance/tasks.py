"""Celery tasks of the ACME order workflow. Each takes an id, re-reads its row and
calls one function of issuance.services. Those functions make reruns harmless."""

import logging
import time

from celery import shared_task

from certportal.celery import TransientError
from issuance import services
from issuance.ca_client import CaRejected

logger = logging.getLogger(__name__)

POLL_RETRIES = 30
# In-process mode (development without a broker, and tests) has no broker to
# hold a delayed retry, so the task waits this long at most and runs again.
EAGER_RETRY_DELAY_SECONDS = 0.5


def _retry_delay(retries: int) -> int:
    return min(5 * 2**retries, 300)


def _retry(task, fault: Exception | None):
    """Schedule the task again after a backoff that grows with each retry.

    Celery's eager mode re-raises `Retry` to the caller instead of running the
    task again, so in that mode the retry runs here, in-process.
    """
    countdown = _retry_delay(task.request.retries)
    if not task.request.is_eager:
        raise task.retry(exc=fault, countdown=countdown)
    logger.warning(
        "task retry in process name=%s retries=%s reason=%s",
        task.name,
        task.request.retries,
        fault,
    )
    time.sleep(min(countdown, EAGER_RETRY_DELAY_SECONDS))
    task.apply(
        args=task.request.args,
        kwargs=task.request.kwargs,
        retries=task.request.retries + 1,
        throw=True,
    )


def _run_step(task, step, order_id: int) -> None:
    """Run one order step. A rejection by the CA fails the order. A transient
    fault retries the step with backoff, and fails the order once retries run out."""
    try:
        step(order_id)
    except CaRejected as rejected:
        services.fail_order(order_id, rejected.message)
    except TransientError as fault:
        if task.request.retries >= task.max_retries:
            services.fail_order(
                order_id,
                f"{fault} Gave up after {task.request.retries + 1} attempts; "
                "start a new order when the CA is reachable again.",
            )
            return
        _retry(task, fault)


@shared_task(name="issuance.submit_order", bind=True)
def submit_order(self, order_id: int) -> None:
    _run_step(self, services.submit_order, order_id)


@shared_task(name="issuance.answer_challenges", bind=True)
def answer_challenges(self, order_id: int) -> None:
    _run_step(self, services.answer_challenges, order_id)


@shared_task(name="issuance.poll_order", bind=True, max_retries=POLL_RETRIES)
def poll_order(self, order_id: int) -> None:
    try:
        _run_step(self, services.poll_order, order_id)
    except services.StillPending as pending:
        if self.request.retries >= self.max_retries:
            services.fail_order(
                order_id,
                "The CA did not finish validating the domains in time. Check "
                "the challenges and start a new order.",
            )
            return
        logger.info("order still validating order=%s detail=%s", order_id, pending)
        _retry(self, None)


@shared_task(name="issuance.finalize_order", bind=True)
def finalize_order(self, order_id: int) -> None:
    _run_step(self, services.finalize_order, order_id)


@shared_task(name="issuance.fetch_renewal_info", bind=True)
def fetch_renewal_info(self, certificate_id: int) -> None:
    # The window is advice, because a certificate without one still renews by
    # expiry. A rejection or an exhausted retry therefore only logs.
    try:
        services.fetch_renewal_info(certificate_id)
    except CaRejected as rejected:
        logger.warning(
            "renewal info unavailable certificate=%s message=%s",
            certificate_id,
            rejected.message,
        )
    except TransientError as fault:
        if self.request.retries >= self.max_retries:
            logger.warning(
                "renewal info unavailable certificate=%s error=%s",
                certificate_id,
                fault,
            )
            return
        _retry(self, fault)
