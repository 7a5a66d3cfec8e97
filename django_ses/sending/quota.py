"""The SES account's maximum send rate, read once per account and region.

:func:`get_max_send_rate` reads ``MaxSendRate`` (SES v1 ``GetSendQuota`` or
v2 ``GetAccount``) and caches it in the process for :data:`QUOTA_TTL` seconds
per account and region. When the call is denied it warns once and falls back
to the ``AWS_SES_MAX_SEND_RATE`` setting, or to no throttling. The limiter that
uses the rate is in :mod:`django_ses.sending.throttle`.

The tables are bounded: at most :data:`MAX_CACHED_KEYS` accounts and regions
are remembered (and locked). They are registered in :mod:`django_ses.caches`,
so a change of the credential, region, endpoint or rate settings clears them.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ImproperlyConfigured

from django_ses import caches
from django_ses.aws.errors import ErrorCategory, categorize, error_code, error_message
from django_ses.conf import get_setting
from django_ses.sending.throttle import positive_rate

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sesv2 import SESV2Client

__all__ = [
    "QUOTA_TTL",
    "clear_quota_cache",
    "configured_max_send_rate",
    "get_max_send_rate",
]

# The auto-throttle's one logger name, shared with django_ses.sending.throttle
# (operators and the test suite filter on it).
logger = logging.getLogger("django_ses.throttle")

#: Seconds a fetched ``MaxSendRate`` is reused before it is read again.
QUOTA_TTL = 600.0
#: Seconds before a quota read that failed for a transient reason is retried.
QUOTA_RETRY_AFTER = 60.0
#: Error categories that mean the credentials may not read the quota (not transient).
_DENIED = frozenset({ErrorCategory.ACCESS_DENIED, ErrorCategory.INVALID_CREDENTIALS})


@dataclass(frozen=True)
class _Quota:
    rate: float | None  # None: could not be read, use the fallback setting
    expires_at: float  # time.monotonic()


#: Accounts and regions whose quota is remembered; the oldest is forgotten first.
MAX_CACHED_KEYS = 256

_quota_lock = threading.Lock()
_quota_cache: dict[str, _Quota] = {}
_fetch_locks = caches.LockTable(MAX_CACHED_KEYS)  # one quota read per key at a time
_warned_keys: dict[str, None] = {}  # an ordered set


def _remember(table: dict[str, Any], key: str, value: Any) -> None:
    """Store ``key`` in ``table``, dropping the oldest entries over :data:`MAX_CACHED_KEYS`.

    The caller holds ``_quota_lock``.
    """
    table.pop(key, None)
    table[key] = value
    while len(table) > MAX_CACHED_KEYS:
        del table[next(iter(table))]


def configured_max_send_rate() -> float | None:
    """Return the ``AWS_SES_MAX_SEND_RATE`` setting (sends per second), or ``None``.

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` when it is set
    to something other than a positive number.
    """
    value = get_setting("AWS_SES_MAX_SEND_RATE")
    if value is None:
        return None
    return positive_rate(value, "AWS_SES_MAX_SEND_RATE", ImproperlyConfigured)


def get_max_send_rate(
    client: SESClient | SESV2Client | Any,
    *,
    use_v2: bool,
    cache_key: str,
    ttl: float = QUOTA_TTL,
) -> float | None:
    """Return the account's maximum send rate (sends per second), or ``None``.

    Reads ``GetSendQuota`` (``use_v2=False``) or ``GetAccount`` (``use_v2=True``)
    with ``client`` at most once per ``ttl`` seconds (default :data:`QUOTA_TTL`)
    for each ``cache_key`` (build it from the account and region). If the call
    fails (SES refuses it because the IAM policy lacks ``ses:GetSendQuota`` /
    ``ses:GetAccount``, or SES cannot be reached), logs one warning for that key
    and returns ``AWS_SES_MAX_SEND_RATE`` when it is set, else ``None``: no
    throttling. A refusal is remembered for ``ttl``; other failures are retried
    after :data:`QUOTA_RETRY_AFTER` seconds. Thread-safe.
    """
    cached = _cached_quota(cache_key)
    if cached is None:
        with _fetch_locks.get(cache_key):
            # Another thread may have read it while this one waited.
            cached = _cached_quota(cache_key)
            if cached is None:
                rate, lifetime = _fetch_max_send_rate(
                    client, use_v2=use_v2, cache_key=cache_key, ttl=ttl
                )
                cached = _Quota(rate=rate, expires_at=time.monotonic() + lifetime)
                with _quota_lock:
                    _remember(_quota_cache, cache_key, cached)
    if cached.rate is not None:
        return cached.rate
    return configured_max_send_rate()


def _cached_quota(cache_key: str) -> _Quota | None:
    with _quota_lock:
        entry = _quota_cache.get(cache_key)
    if entry is not None and entry.expires_at > time.monotonic():
        return entry
    return None


def _fetch_max_send_rate(
    client: Any, *, use_v2: bool, cache_key: str, ttl: float
) -> tuple[float | None, float]:
    """Return ``(MaxSendRate or None, seconds before asking SES again)``."""
    retry_after = min(ttl, QUOTA_RETRY_AFTER)  # a transient failure is retried sooner
    operation = "GetAccount" if use_v2 else "GetSendQuota"
    try:
        if use_v2:
            value = client.get_account()["SendQuota"]["MaxSendRate"]
        else:
            value = client.get_send_quota()["MaxSendRate"]
    except ClientError as exc:
        code = error_code(exc) or "error"
        _warn_once(cache_key, operation, f"{code}: {error_message(exc)}".rstrip(": "))
        return None, ttl if categorize(exc) in _DENIED else retry_after
    except BotoCoreError as exc:
        _warn_once(cache_key, operation, str(exc))
        return None, retry_after
    except (KeyError, TypeError) as exc:
        _warn_once(cache_key, operation, f"the answer has no MaxSendRate ({exc!r})")
        return None, retry_after
    try:
        return positive_rate(value, "MaxSendRate", ValueError), ttl
    except ValueError as exc:
        _warn_once(cache_key, operation, str(exc))
        return None, retry_after


def _warn_once(cache_key: str, operation: str, reason: str) -> None:
    with _quota_lock:
        if cache_key in _warned_keys:
            return
        _remember(_warned_keys, cache_key, None)
    try:
        fallback = configured_max_send_rate()
    except ImproperlyConfigured:
        fallback = None
    permission = "ses:GetAccount" if operation == "GetAccount" else "ses:GetSendQuota"
    if fallback is not None:
        outcome = f"falling back to AWS_SES_MAX_SEND_RATE = {fallback:g} sends per second"
    else:
        outcome = "sending is NOT throttled (AWS_SES_MAX_SEND_RATE is not set)"
    logger.warning(
        "django_ses auto-throttle could not read the SES send rate for %s with %s (%s); %s. "
        "Allow %s in the IAM policy, or set AWS_SES_MAX_SEND_RATE to your account's "
        "maximum send rate.",
        cache_key,
        operation,
        reason,
        outcome,
        permission,
    )


def clear_quota_cache() -> None:
    """Forget cached send rates and the keys already warned about."""
    with _quota_lock:
        _quota_cache.clear()
        _warned_keys.clear()
    _fetch_locks.clear()


caches.register_cache(
    "sending quota",
    clear_quota_cache,
    settings=(
        "AWS_SES_ACCESS_KEY_ID",
        "AWS_SES_SECRET_ACCESS_KEY",
        "AWS_SES_SESSION_TOKEN",
        "AWS_SES_SESSION_PROFILE",
        "AWS_SES_REGION_NAME",
        "AWS_SES_REGION_ENDPOINT",
        "AWS_SES_REGION_ENDPOINT_URL",
        "AWS_SES_MAX_SEND_RATE",
        "USE_SES_V2",
    ),
)
