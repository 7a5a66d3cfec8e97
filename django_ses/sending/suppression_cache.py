"""SES's answers about the account-level suppression list, kept in a Django cache.

The pre-send check (:mod:`django_ses.sending.suppression_check`) reads and
writes them; :mod:`django_ses.suppression_list` forgets an address's answer
when it adds the address to the SES list or removes it. The cache is the one
named by ``AWS_SES_SUPPRESSION_LIST_CACHE`` (``"default"``), so every process
that shares it shares the answers; they are kept for
``AWS_SES_SUPPRESSION_LIST_CACHE_TTL`` seconds.

One entry per SES account and region (``account``: the backend's
``throttle_key``, which never shows the access key) and address (lower-cased,
hashed): the suppression reason (``"BOUNCE"``, ``"COMPLAINT"``), or ``""`` for
an address SES said is not suppressed.

A cache that cannot be reached is not a reason to stop sending: reads then
find nothing and writes are skipped, with a warning in the log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import caches

from django_ses.blacklist import normalize_address
from django_ses.conf import get_setting

__all__ = ["KEY_PREFIX", "cache_key", "forget", "read", "write"]

logger = logging.getLogger(__name__)

#: Bump the version when the stored value changes meaning: older entries are then ignored.
KEY_PREFIX = "django_ses:suppression-list:1"


def cache_key(account: str, address: str) -> str:
    """The cache key of ``address`` (any case, with or without a display name)."""
    digest = hashlib.sha256(normalize_address(address).encode()).hexdigest()[:40]
    return f"{KEY_PREFIX}:{account}:{digest}"


def _cache() -> Any:
    return caches[get_setting("AWS_SES_SUPPRESSION_LIST_CACHE") or "default"]


def read(account: str, addresses: Iterable[str]) -> dict[str, str]:
    """``{address: reason or ""}`` for the ``addresses`` whose answer is cached (one cache call)."""
    keys = {cache_key(account, address): address for address in addresses}
    if not keys:
        return {}
    try:
        found = _cache().get_many(list(keys))
    except Exception as error:  # the cache is down: ask SES, do not stop sending
        _warn("read", error)
        return {}
    return {keys[key]: str(value) for key, value in found.items() if key in keys}


def write(account: str, answers: Mapping[str, str]) -> None:
    """Keep SES's ``answers`` (``{address: reason or ""}``) for the TTL (one cache call)."""
    if not answers:
        return
    values = {cache_key(account, address): reason for address, reason in answers.items()}
    try:
        _cache().set_many(values, timeout=get_setting("AWS_SES_SUPPRESSION_LIST_CACHE_TTL"))
    except Exception as error:
        _warn("write", error)


def forget(account: str, addresses: Iterable[str]) -> bool:
    """Forget the cached answers of ``addresses`` (just added to or removed from SES).

    False when the cache could not be reached (logged): the old answers stay
    until their time-to-live ends.
    """
    keys = [cache_key(account, address) for address in addresses]
    if not keys:
        return True
    try:
        _cache().delete_many(keys)
    except Exception as error:
        _warn("clear", error)
        return False
    return True


def _warn(action: str, error: Exception) -> None:
    logger.warning(
        "django_ses: could not %s the suppression-list answers in the cache %r "
        "(AWS_SES_SUPPRESSION_LIST_CACHE): %s: %s",
        action,
        get_setting("AWS_SES_SUPPRESSION_LIST_CACHE") or "default",
        type(error).__name__,
        error,
    )
