"""A worker process for the shared rate-limiter tests (tests/test_throttle.py).

Started with multiprocessing's "spawn" method, so it is a fresh interpreter: it
configures Django with the parent's CACHES (same Redis, same key prefix) and
``AWS_SES_RATE_LIMIT_CACHE = "default"``, then books sends.
"""

from __future__ import annotations

import time
from typing import Any


def _setup(caches: dict[str, Any]) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(CACHES=caches, AWS_SES_RATE_LIMIT_CACHE="default", USE_TZ=True)
        django.setup()


def reserve_sends(caches: dict[str, Any], key: str, rate: float, sends: int) -> list[float]:
    """Book ``sends`` single-recipient sends; return their start times (wall clock)."""
    _setup(caches)
    from django_ses.sending.throttle import build_rate_limiter

    limiter = build_rate_limiter(rate, key)
    return [limiter.reserve(1) for _ in range(sends)]


def acquire_sends(caches: dict[str, Any], key: str, rate: float, sends: int) -> list[float]:
    """Wait for ``sends`` single-recipient sends; return when each was let through."""
    _setup(caches)
    from django_ses.sending.throttle import build_rate_limiter

    limiter = build_rate_limiter(rate, key)
    times = []
    for _ in range(sends):
        limiter.acquire(1)
        times.append(time.time())
    return times
