"""The Celery application, its shared retry policy and its task lifecycle logs."""

import logging
import os

from celery import Celery, Task
from celery.signals import task_failure, task_prerun, task_retry, task_success

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certportal.settings")

logger = logging.getLogger("certportal.tasks")


class TransientError(Exception):
    """A fault expected to pass by itself: a timeout, a refused connection, a 5xx."""


class PortalTask(Task):
    """Base task: retries transient faults with exponential backoff and jitter.

    Tasks take ids, not objects, and fetch their rows again when they run, so a
    retry sees the current state. A missing row is not transient and is not retried.
    """

    autoretry_for = (TransientError, ConnectionError, TimeoutError)
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8


app = Celery("certportal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def log_task_start(task_id=None, task=None, args=None, kwargs=None, **_) -> None:
    logger.info("task started name=%s id=%s args=%s", task.name, task_id, args)


@task_success.connect
def log_task_success(sender=None, **_) -> None:
    logger.info("task succeeded name=%s id=%s", sender.name, sender.request.id)


@task_retry.connect
def log_task_retry(sender=None, request=None, reason=None, **_) -> None:
    logger.warning(
        "task retry name=%s id=%s retries=%s reason=%s",
        sender.name,
        request.id,
        request.retries,
        reason,
    )


@task_failure.connect
def log_task_failure(sender=None, task_id=None, exception=None, **_) -> None:
    logger.error("task failed name=%s id=%s error=%r", sender.name, task_id, exception)


@app.task(name="certportal.ping")
def ping() -> str:
    """Return "pong"; used by /healthz-style checks and the worker test."""
    return "pong"
