import logging

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError as exc:
        logger.error("health check: database unreachable error=%r", exc)
        return False


def _broker_ok() -> bool:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True  # tasks run in-process; there is no broker to reach
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1)
        return True
    except Exception as exc:  # kombu raises transport-specific errors
        logger.error("health check: broker unreachable error=%r", exc)
        return False


@never_cache
def healthz(request):
    """Report whether the database and the Celery broker answer: 200 or 503."""
    checks = {
        "database": "ok" if _database_ok() else "unavailable",
        "broker": (
            "in-process"
            if settings.CELERY_TASK_ALWAYS_EAGER
            else ("ok" if _broker_ok() else "unavailable")
        ),
    }
    healthy = "unavailable" not in checks.values()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
