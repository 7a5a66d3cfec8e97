"""The optional pre-send check against the SES account-level suppression list.

On with ``AWS_SES_CHECK_SUPPRESSION_LIST = True`` (off by default). Before a
``send_messages()`` call sends anything, :meth:`SuppressionListCheck.suppressed`
says which of its recipients (every message, de-duplicated) SES has on the
account's suppression list: first from the cache
(:mod:`django_ses.sending.suppression_cache`, one call for the whole batch),
then one ``GetSuppressedDestination`` call per address whose answer is not
cached, ``AWS_SES_SEND_CONCURRENCY`` at once. ``NotFoundException`` means
"not suppressed", and is cached too.

Those recipients are then removed as the blacklist's are
(:class:`~django_ses.sending.suppression.Suppression`): the message's
``ses_status`` lists them in ``suppressed_recipients`` and
``suppression_list_recipients``; a message whose every recipient is
suppressed is not sent (status ``"suppressed"``).

A lookup that fails (throttling, an SES server error, the network, missing
permission) never drops mail: the addresses not yet checked are sent as if
the check were off (SES still refuses to deliver to a suppressed address: it
reports a Bounce with ``OnAccountSuppressionList``). The failure is logged at
WARNING and not cached, and no further lookups of the batch start, so a
throttled API is not asked again at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from typing import Any

from django_ses import suppression_list
from django_ses.blacklist import normalize_address
from django_ses.sending import suppression_cache

__all__ = ["SuppressionListCheck", "unique_addresses"]

logger = logging.getLogger(__name__)


def unique_addresses(addresses: Iterable[str]) -> list[str]:
    """The bare, lower-cased ``addresses``, each once, in order."""
    return list(dict.fromkeys(normalize_address(a) for a in addresses if a))


@dataclass(frozen=True)
class SuppressionListCheck:
    """Which addresses are on an SES account's suppression list, cached."""

    #: The SES account and region (the backend's ``throttle_key``): part of the cache key.
    account: str
    #: Opens a ``sesv2`` client of that account (used as a context manager).
    open_client: Callable[[], AbstractContextManager[Any]]
    #: How many lookups run at once (the backend's ``AWS_SES_SEND_CONCURRENCY``).
    concurrency: int = 1

    def suppressed(self, addresses: Iterable[str]) -> dict[str, str]:
        """``{address: reason}`` for the suppressed ``addresses`` (bare, lower-cased)."""
        unique = unique_addresses(addresses)
        answers = suppression_cache.read(self.account, unique)
        missing = [a for a in unique if a not in answers]
        if missing:
            fresh = self._ask_ses(missing)
            suppression_cache.write(self.account, fresh)
            answers.update(fresh)
        return {address: reason for address, reason in answers.items() if reason}

    def _ask_ses(self, addresses: list[str]) -> dict[str, str]:
        """SES's answer for each address, until a lookup fails (the others go unchecked).

        In waves of ``concurrency`` lookups at once: after a failure, no new wave starts.
        """
        answers: dict[str, str] = {}
        size = max(1, min(self.concurrency, len(addresses)))
        try:
            with self.open_client() as client, ThreadPoolExecutor(size) as pool:
                for start in range(0, len(addresses), size):
                    wave = addresses[start : start + size]
                    entries = pool.map(partial(suppression_list.lookup, client), wave)
                    for address, entry in zip(wave, entries, strict=True):
                        answers[address] = (entry.reason or "BOUNCE") if entry else ""
        except Exception as error:  # never drop mail because the check failed: send unchecked
            unchecked = len(addresses) - len(answers)
            logger.warning(
                "django_ses: could not check %d address(es) against the SES suppression list "
                "(AWS_SES_CHECK_SUPPRESSION_LIST); sending to them unchecked: %s: %s",
                unchecked,
                type(error).__name__,
                error,
            )
        return answers
