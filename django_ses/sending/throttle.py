"""Auto-throttle: keep sending under the SES account's maximum send rate.

Used by :class:`django_ses.SESBackend` when ``AWS_SES_AUTO_THROTTLE`` is set,
with the rate :func:`django_ses.sending.quota.get_max_send_rate` reads:
:func:`build_rate_limiter` returns the :class:`RateLimiter` for an account and
region, shared by every backend instance of the process, or by every process
when ``AWS_SES_RATE_LIMIT_CACHE`` names a Django cache.

The limiter
-----------
SES counts every recipient of a message against the send rate, so the limiter
counts recipients: in any one-second window, the sends it lets through carry
at most the rate. The rule (even spacing and an exact sliding window, with
room for 25 ms of jitter) is :func:`plan_send`, a pure function of
:mod:`django_ses.sending.schedule` described there; :func:`pick_send` books
one of several waiting sends, :func:`refund_send` gives a booking back.

The in-process limiter uses :func:`time.monotonic` and a lock. The shared
limiter keeps the same state in a Django cache under a short-lived lock taken
with ``cache.add`` (atomic on Redis, Memcached and the database cache), and uses
the wall clock, the only clock processes on several hosts share.
"""

from __future__ import annotations

import abc
import logging
import math
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from django_ses import caches as process_caches
from django_ses.conf import get_setting
from django_ses.exceptions import ThrottleWaitTooLongError
from django_ses.sending.schedule import (
    CATCH_UP,
    JITTER_MARGIN,
    LOOK_AHEAD_RATE,
    WINDOW,
    Schedule,
    pick_send,
    plan_send,
    refund_send,
)

__all__ = [
    "CATCH_UP",
    "JITTER_MARGIN",
    "LOOK_AHEAD_RATE",
    "WINDOW",
    "CacheRateLimiter",
    "LocalRateLimiter",
    "RateLimiter",
    "Schedule",
    "build_rate_limiter",
    "pick_send",
    "plan_send",
    "positive_rate",
    "rate_limit_cache_alias",
    "refund_send",
    "reset_rate_limiters",
]

# The auto-throttle's one logger name, shared with django_ses.sending.quota
# (operators and the test suite filter on it).
logger = logging.getLogger("django_ses.throttle")


def positive_rate(value: object, name: str, error: Callable[[str], Exception]) -> float:
    """``value`` as a float, or ``error(reason)`` raised when it is not a positive number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{name} must be a positive number of sends per second, got {value!r}.")
    rate = float(value)
    if not math.isfinite(rate) or rate <= 0:
        raise error(f"{name} must be a positive number of sends per second, got {value!r}.")
    return rate


# ------------------------------------------------------------------------ limiters


_T = TypeVar("_T")
#: A booking: ``plan(schedule, now)`` returns a value and the new schedule.
Plan = Callable[[Schedule, float], tuple[_T, Schedule]]


class RateLimiter(abc.ABC):
    """Blocks callers so sends stay under ``rate`` recipients per second."""

    def __init__(self, rate: float, key: str) -> None:
        self.key = key
        self._rate = positive_rate(rate, "rate_per_second", ValueError)

    @property
    def rate(self) -> float:
        """Recipients per second."""
        return self._rate

    def set_rate(self, rate: float) -> None:
        """Change the rate (the account's quota changed); the schedule is kept."""
        self._rate = positive_rate(rate, "rate_per_second", ValueError)

    @abc.abstractmethod
    def clock(self) -> float:
        """The clock the schedule uses, in seconds."""

    @abc.abstractmethod
    def _book(self, plan: Plan[_T]) -> _T:
        """Run ``plan`` on the schedule under the lock, store the new schedule, return its value."""

    def reserve(self, count: int) -> float:
        """Book a send of ``count`` recipients; return its start time on :meth:`clock`."""
        return self._book(
            lambda schedule, now: plan_send(schedule, now=now, count=count, rate=self._rate)
        )

    def reserve_any(self, counts: Sequence[int]) -> tuple[int, float]:
        """Book one of several waiting sends (:func:`pick_send`); return its index and start."""

        def plan(schedule: Schedule, now: float) -> tuple[tuple[int, float], Schedule]:
            index, start, planned = pick_send(schedule, now=now, counts=counts, rate=self._rate)
            return (index, start), planned

        return self._book(plan)

    def refund(self, start: float, count: int) -> None:
        """Give back the booking ``(start, count)``: SES did not accept that send."""
        if count:
            self._book(
                lambda schedule, now: (
                    None,
                    refund_send(schedule, start=start, count=count, rate=self._rate),
                )
            )

    def check_wait(self, start: float, count: int, max_wait: float | None) -> None:
        """Refund and raise :class:`~django_ses.exceptions.ThrottleWaitTooLongError` when the
        booking ``(start, count)`` starts more than ``max_wait`` seconds from now."""
        if max_wait is None:
            return
        wait = start - self.clock()
        if wait > max_wait:
            self.refund(start, count)
            raise ThrottleWaitTooLongError(count, wait, self._rate, max_wait)

    def wait_until(self, start: float) -> None:
        """Sleep until ``start`` on :meth:`clock`."""
        # Turn the start into a monotonic deadline once, so a wall-clock step
        # during the wait (shared limiter) does not stretch or cut it.
        deadline = time.monotonic() + (start - self.clock())
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(remaining)

    def acquire(self, count: int, *, max_wait: float | None = None) -> float:
        """Block until a send of ``count`` recipients may go out; return its booked start.

        ``count`` is the number of recipients (SES counts each). ``0`` returns
        at once. With ``max_wait``, a send that would wait longer is not
        booked and raises :class:`~django_ses.exceptions.ThrottleWaitTooLongError`.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count must be a number of recipients (int >= 0), got {count!r}.")
        if count == 0:
            return self.clock()
        start = self.reserve(count)
        self.check_wait(start, count, max_wait)
        self.wait_until(start)
        return start

    def __repr__(self) -> str:
        return f"<{type(self).__name__} key={self.key!r} rate={self._rate:g}/s>"


class LocalRateLimiter(RateLimiter):
    """A limiter for the threads of one process (monotonic clock, a lock)."""

    def __init__(self, rate: float, key: str) -> None:
        super().__init__(rate, key)
        self._lock = threading.Lock()
        self._schedule = Schedule()

    def clock(self) -> float:
        return time.monotonic()

    def _book(self, plan: Plan[_T]) -> _T:
        with self._lock:
            value, self._schedule = plan(self._schedule, self.clock())
        return value


class CacheRateLimiter(RateLimiter):
    """A limiter shared by every process that uses the same Django cache.

    The schedule lives in the cache under ``django_ses:throttle:<key>:state``.
    Each booking takes a lock (``cache.add`` of ``…:lock`` with a 5 second
    expiry, so a crashed process cannot hold it for ever), reads the schedule,
    plans the send with :func:`plan_send` on the wall clock and writes the
    schedule back. Threads of one process queue on a local lock first, so only
    one of them at a time competes for the cache lock.

    When the cache cannot be used (it is down, or its lock cannot be had within
    :attr:`lock_wait` seconds), the booking is planned on the last schedule
    this process saw, so it still keeps its own sends apart, and a warning is
    logged.
    """

    lock_timeout = 5  # seconds; an int, as every cache backend accepts
    lock_wait = 30.0

    def __init__(self, rate: float, key: str, cache_alias: str) -> None:
        super().__init__(rate, key)
        self.cache_alias = cache_alias
        safe = re.sub(r"[^A-Za-z0-9_.:-]", "_", key)[:150]
        self._state_key = f"django_ses:throttle:{safe}:state"
        self._lock_key = f"django_ses:throttle:{safe}:lock"
        self._local_lock = threading.Lock()
        self._last_seen = Schedule()  # the schedule as this process last read or wrote it
        self._last_warning = -math.inf

    def clock(self) -> float:
        return time.time()

    def _book(self, plan: Plan[_T]) -> _T:
        with self._local_lock:
            try:
                return self._book_in_cache(plan)
            except Exception as exc:  # the cache is down: degrade, do not stop sending
                self._warn_fallback(exc)
                value, self._last_seen = plan(self._last_seen, self.clock())
                return value

    def _book_in_cache(self, plan: Plan[_T]) -> _T:
        cache = caches[self.cache_alias]
        token = uuid.uuid4().hex
        if not self._take_lock(cache, token):
            raise TimeoutError(f"its lock stayed busy for {self.lock_wait:g} seconds")
        try:
            schedule = Schedule.from_wire(cache.get(self._state_key))
            value, schedule = plan(schedule, self.clock())
            expiry = max(1, math.ceil(schedule.next_start - self.clock() + WINDOW) + 1)
            cache.set(self._state_key, schedule.to_wire(), timeout=expiry)
            self._last_seen = schedule
        finally:
            if cache.get(self._lock_key) == token:
                cache.delete(self._lock_key)
        return value

    def _take_lock(self, cache: Any, token: str) -> bool:
        deadline = time.monotonic() + self.lock_wait
        pause = 0.0005
        while not cache.add(self._lock_key, token, timeout=self.lock_timeout):
            if time.monotonic() > deadline:
                return False
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.01)
        return True

    def _warn_fallback(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning < 60:
            return
        self._last_warning = now
        logger.warning(
            "django_ses auto-throttle could not use the cache %r (AWS_SES_RATE_LIMIT_CACHE) "
            "for %s (%s: %s); this process throttles on its own until the cache is back, "
            "so several processes together may exceed the rate.",
            self.cache_alias,
            self.key,
            type(exc).__name__,
            exc,
        )


_registry_lock = threading.Lock()
_registry: dict[tuple[str, str | None], RateLimiter] = {}


def rate_limit_cache_alias() -> str | None:
    """Return the cache alias of ``AWS_SES_RATE_LIMIT_CACHE``, or ``None`` when unset.

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` when it names no
    cache in ``CACHES`` or a cache that cannot be shared (``DummyCache``).
    """
    alias = get_setting("AWS_SES_RATE_LIMIT_CACHE")
    if alias is None or alias == "":
        return None
    if not isinstance(alias, str) or alias not in settings.CACHES:
        raise ImproperlyConfigured(
            f"AWS_SES_RATE_LIMIT_CACHE must name a cache in CACHES "
            f"({', '.join(map(repr, settings.CACHES)) or 'none defined'}), got {alias!r}."
        )
    backend = str(settings.CACHES[alias].get("BACKEND", ""))
    if backend.endswith(".DummyCache"):
        raise ImproperlyConfigured(
            f"AWS_SES_RATE_LIMIT_CACHE names the cache {alias!r}, a DummyCache, which stores "
            "nothing, so processes could not share a send rate. Use a Redis, Memcached or "
            "database cache."
        )
    return alias


def build_rate_limiter(rate_per_second: float, key: str) -> RateLimiter:
    """Return the limiter for ``key`` (account and region), set to ``rate_per_second``.

    Every call with the same ``key`` returns the same limiter, so all backend
    instances of a process share it (a changed rate is applied to it). When
    ``AWS_SES_RATE_LIMIT_CACHE`` names a Django cache, the limiter keeps its
    state in that cache and every process using it shares the rate.
    """
    rate = positive_rate(rate_per_second, "rate_per_second", ValueError)
    alias = rate_limit_cache_alias()
    with _registry_lock:
        limiter = _registry.get((key, alias))
        if limiter is None:
            limiter = (
                CacheRateLimiter(rate, key, alias)
                if alias is not None
                else LocalRateLimiter(rate, key)
            )
            _registry[(key, alias)] = limiter
        elif limiter.rate != rate:
            limiter.set_rate(rate)
    return limiter


def reset_rate_limiters() -> None:
    """Forget every limiter of this process (their schedules start afresh)."""
    with _registry_lock:
        _registry.clear()


process_caches.register_cache(
    "rate limiters", reset_rate_limiters, settings=("AWS_SES_RATE_LIMIT_CACHE", "CACHES")
)
