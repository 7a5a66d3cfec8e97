"""The retry policy of queued sending: what a failed attempt leads to, and after what delay.

Pure functions, no I/O. The worker (:mod:`django_ses.sending.worker`) asks
:func:`plan_retry` what to do with the error of an attempt:

* **retry** (``Plan.retry_in`` is a delay in seconds): SES certainly did not
  accept the message and sending again later can succeed. Throttling other
  than the daily quota, an SES 5xx, a connection failure before the request
  was written (:class:`~django_ses.exceptions.SESConnectFailedError`), another
  worker holding the message. The delay grows exponentially from
  ``AWS_SES_QUEUE_RETRY_DELAY``, with jitter, and is at least
  :data:`THROTTLE_FLOOR` after a throttling answer; the re-run goes through
  the same rate limiter.
* **retry after the quota delay**: SES's "Daily message quota exceeded"
  (:class:`~django_ses.exceptions.DailyQuotaExceededError`). Retrying soon
  cannot help: the delay is at least ``AWS_SES_QUEUE_QUOTA_DELAY`` (one hour
  by default), plus up to half of it as jitter, so the deferred messages do
  not come back at once.
* **give up**: anything else, and a retryable error after
  ``AWS_SES_QUEUE_MAX_ATTEMPTS`` attempts (``Plan.retry_in`` is ``None``).

Whether SES may have accepted the message (``error.outcome == "unknown"``,
:class:`~django_ses.exceptions.SESNoAnswerError`) is decided before this
module is asked: such a message is never retried.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django_ses.exceptions import (
    ConfigurationError,
    DailyQuotaExceededError,
    DeliveryInProgressError,
    SendingPausedError,
    SESClientSetupError,
    SESConnectFailedError,
    SESServerError,
    ThrottledError,
)

__all__ = [
    "MAX_RETRY_DELAY",
    "THROTTLE_FLOOR",
    "Plan",
    "backoff",
    "is_retryable",
    "is_transient",
    "plan_retry",
]

#: The longest delay between two attempts of a transient failure, in seconds
#: (unless ``AWS_SES_QUEUE_RETRY_DELAY`` itself is longer).
MAX_RETRY_DELAY = 3600.0
#: The shortest delay after a throttling answer: SES's rate window, in seconds.
THROTTLE_FLOOR = 1.0


def is_transient(error: BaseException) -> bool:
    """True when SES certainly did not accept the message and a later attempt may succeed.

    The daily quota is not transient in this sense (see :func:`plan_retry`).
    """
    if isinstance(error, DailyQuotaExceededError):
        return False
    return isinstance(
        error, (ThrottledError, SESServerError, SESConnectFailedError, DeliveryInProgressError)
    )


def is_retryable(error: BaseException) -> bool:
    """True when sending again later may succeed without changing the message, and
    cannot deliver a second copy.

    The transient failures (:func:`is_transient`), the daily quota, and the
    problems an operator fixes on the AWS side (configuration set or identity
    missing, permissions, paused sending, credentials). Never an error after
    which SES may have accepted the message (``SESNoAnswerError``), a message
    SES rejected, or any other SES 4xx.
    """
    return is_transient(error) or isinstance(
        error,
        (DailyQuotaExceededError, ConfigurationError, SendingPausedError, SESClientSetupError),
    )


@dataclass(frozen=True)
class Plan:
    """What to do after a failed attempt: retry in ``retry_in`` seconds, or give up (``None``)."""

    retry_in: float | None
    #: Why the message is not retried (for the log and ``QueuedDelivery.error``).
    reason: str = ""


def backoff(attempt: int, base: float, rand: Callable[[], float] = random.random) -> float:
    """The delay after failed attempt number ``attempt`` (1 for the first), in seconds.

    ``base * 2 ** (attempt - 1)``, at most :data:`MAX_RETRY_DELAY` (or ``base``
    if that is longer), then "equal jitter": a random point in its upper half,
    so workers that failed together do not come back together.
    """
    ceiling = min(base * 2.0 ** max(attempt - 1, 0), max(MAX_RETRY_DELAY, base))
    return float(ceiling / 2 + rand() * ceiling / 2)


def plan_retry(
    error: BaseException,
    *,
    attempt: int,
    max_attempts: int,
    base_delay: float,
    quota_delay: float,
    can_defer: bool,
    rand: Callable[[], float] = random.random,
) -> Plan:
    """What to do after attempt ``attempt`` (1 for the first) failed with ``error``."""
    quota = isinstance(error, DailyQuotaExceededError)
    if not (quota or is_transient(error)):
        return Plan(None, "not a transient failure")
    if not can_defer:
        return Plan(None, "the task backend cannot defer tasks (supports_defer is False)")
    if attempt >= max_attempts:
        return Plan(None, f"gave up after {attempt} attempt(s) (AWS_SES_QUEUE_MAX_ATTEMPTS)")
    if quota:
        return Plan(max(quota_delay, backoff(attempt, base_delay, rand)) + rand() * quota_delay / 2)
    delay = backoff(attempt, base_delay, rand)
    if isinstance(error, ThrottledError):
        delay = max(delay, THROTTLE_FLOOR * (1 + rand()))
    return Plan(delay)
