"""The delivery progress of a queued message: which recipients SES already accepted.

Kept for :data:`PROGRESS_TTL` in the cache named by ``AWS_SES_RATE_LIMIT_CACHE``,
or the default cache, under ``django_ses:queued:<delivery_id>``: a task that
runs again (a retry after a failed chunk, or a queue that delivers a task
twice) never sends to a recipient SES already accepted. While a worker sends,
it holds ``django_ses:queued:<delivery_id>:lock`` (at most
:data:`DELIVERY_LOCK_TTL`). A message whose outcome is unknown (SES may have
accepted it) is remembered as such, and never sent again by a later run.

:class:`QuotaPause` is the account's "daily quota spent" mark in the same
cache: while it is set, queued messages wait without calling SES.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.cache import caches

from django_ses.sending.mime import Recipient
from django_ses.sending.throttle import rate_limit_cache_alias

__all__ = ["DELIVERY_LOCK_TTL", "PROGRESS_TTL", "DeliveryProgress", "QuotaPause"]

logger = logging.getLogger(__name__)

#: Seconds the delivery progress of a queued message is kept (7 days).
PROGRESS_TTL = 7 * 24 * 3600

#: Seconds a worker holds a queued message while it sends it (15 minutes).
DELIVERY_LOCK_TTL = 15 * 60


class DeliveryProgress:
    """The recipients SES accepted for one queued message, kept in a cache."""

    def __init__(self, delivery_id: str) -> None:
        self._key = f"django_ses:queued:{delivery_id}"
        self._lock_token = uuid.uuid4().hex
        self.accepted: set[str] = set()
        self.message_ids: list[str] = []
        self.suppressed: tuple[str, ...] = ()
        self.completed = False
        #: SES may have accepted the message (a read timeout…): it is never sent again.
        self.unknown = False

    def lock(self) -> bool:
        """Take the message for this worker; False when another worker has it."""
        return bool(self._cache().add(f"{self._key}:lock", self._lock_token, DELIVERY_LOCK_TTL))

    def unlock(self) -> None:
        try:
            cache = self._cache()
            if cache.get(f"{self._key}:lock") == self._lock_token:
                cache.delete(f"{self._key}:lock")
        except Exception:
            logger.warning("django_ses: could not release %s:lock", self._key, exc_info=True)

    def load(self) -> None:
        state = self._cache().get(self._key) or {}
        self.accepted = set(state.get("accepted", ()))
        self.message_ids = list(state.get("message_ids", ()))
        self.suppressed = tuple(state.get("suppressed", ()))
        self.completed = bool(state.get("completed", False))
        self.unknown = bool(state.get("unknown", False))

    def is_accepted(self, recipient: Recipient) -> bool:
        """True when SES already accepted ``recipient`` (in this run or an earlier one)."""
        return recipient.destination.lower() in self.accepted

    @staticmethod
    def _cache() -> Any:
        return caches[rate_limit_cache_alias() or "default"]

    def record_accepted(self, chunk: Sequence[Recipient], message_id: str) -> None:
        """The progress hook of :meth:`~django_ses.sending.sender.Sender.send`."""
        self.accepted.update(r.destination.lower() for r in chunk)
        self.message_ids.append(message_id)
        self._save()

    def record_completed(self, suppressed: tuple[str, ...]) -> None:
        self.completed = True
        self.suppressed = suppressed
        self._save()

    def record_unknown(self) -> None:
        """SES may have accepted the message: no later run sends it again."""
        self.unknown = True
        self._save()

    def _save(self) -> None:
        state = {
            "accepted": sorted(self.accepted),
            "message_ids": self.message_ids,
            "suppressed": list(self.suppressed),
            "completed": self.completed,
            "unknown": self.unknown,
        }
        try:
            self._cache().set(self._key, state, PROGRESS_TTL)
        except Exception:
            logger.exception(
                "django_ses: could not record the delivery progress of %s; a retry of this "
                "task could send to these recipients again.",
                self._key,
            )


class QuotaPause:
    """The "daily quota spent" mark of one SES account and region, shared by the workers.

    Set when SES answers "Daily message quota exceeded"; until it expires, a
    queued message is deferred without calling SES, so a spent quota costs
    one call, not one per queued message.
    """

    def __init__(self, account_key: str) -> None:
        self._key = f"django_ses:daily-quota-spent:{account_key}"

    def until(self) -> float | None:
        """The wall-clock time (``time.time()``) the mark expires, or ``None`` when unset."""
        try:
            value = DeliveryProgress._cache().get(self._key)
        except Exception:
            logger.warning("django_ses: could not read %s", self._key, exc_info=True)
            return None
        if not isinstance(value, (int, float)) or value <= time.time():
            return None
        return float(value)

    def clear(self) -> None:
        """Remove the mark: queued messages call SES again at their next attempt."""
        DeliveryProgress._cache().delete(self._key)

    def set(self, seconds: float) -> None:
        until = time.time() + seconds
        try:
            DeliveryProgress._cache().set(self._key, until, max(1, int(seconds) + 1))
        except Exception:
            logger.warning("django_ses: could not write %s", self._key, exc_info=True)
