"""Guards for periodic jobs that several workers may start at the same moment."""

import functools
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def single_instance(lock_name: str, timeout: int = 3600):
    """Skip a run while another run of the same job holds the lock.

    The lock lives in the shared cache (Redis in production), so it spans hosts.
    It only saves work: correctness still comes from uniqueness constraints, because
    a lock can expire while a slow run is still going.
    """

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            key = f"job-lock:{lock_name}"
            if not cache.add(key, "1", timeout):
                logger.info("job skipped name=%s reason=already running", lock_name)
                return None
            try:
                return func(*args, **kwargs)
            finally:
                cache.delete(key)

        return wrapper

    return decorator
