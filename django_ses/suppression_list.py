"""The SES account-level suppression list (SES API v2): the one module that calls it.

The admin pages (:mod:`django_ses.admin.suppression_list`),
``manage.py ses_suppression_list`` and the pre-send check
(:mod:`django_ses.sending.suppression_check`) call SES through these
functions, with a ``sesv2`` client they pass in. Every AWS failure is raised as
a :class:`~django_ses.exceptions.StatsError` that says what to do, with the
AWS error code (``NotFoundException`` is an answer here, not a failure).

Adding an address (:func:`suppress`) or removing one (:func:`unsuppress`)
forgets the pre-send check's cached answer for it
(:mod:`django_ses.sending.suppression_cache`), so the next send sees the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django_ses.aws.errors import NOT_FOUND
from django_ses.exceptions import StatsError
from django_ses.reporting.calls import call, paginate
from django_ses.sending import suppression_cache

__all__ = [
    "PAGE_SIZE",
    "REASONS",
    "Page",
    "SuppressedDestination",
    "lookup",
    "page",
    "pages",
    "suppress",
    "unsuppress",
]

#: The reasons SES records (``PutSuppressedDestination`` takes one of them).
REASONS = ("BOUNCE", "COMPLAINT")
#: The most entries one ``ListSuppressedDestinations`` call returns.
PAGE_SIZE = 1000


@dataclass(frozen=True)
class SuppressedDestination:
    """One address on the SES suppression list."""

    email: str
    reason: str  # "BOUNCE" or "COMPLAINT"
    last_update: dt.datetime | None = None

    @classmethod
    def from_answer(cls, item: Mapping[str, Any]) -> SuppressedDestination:
        when = item.get("LastUpdateTime")
        return cls(
            email=str(item["EmailAddress"]),
            reason=str(item.get("Reason") or ""),
            last_update=when if isinstance(when, dt.datetime) else None,
        )


@dataclass(frozen=True)
class Page:
    """One page of the list, and the token of the next one (``None`` on the last page)."""

    entries: list[SuppressedDestination]
    next_token: str | None


def _listing(reason: str | None, page_size: int) -> dict[str, Any]:
    request: dict[str, Any] = {"PageSize": page_size}
    if reason:
        request["Reasons"] = [reason]
    return request


def _entries(answer: Mapping[str, Any]) -> list[SuppressedDestination]:
    return [
        SuppressedDestination.from_answer(item)
        for item in answer.get("SuppressedDestinationSummaries") or ()
    ]


def page(
    client: Any, *, reason: str | None = None, page_size: int = PAGE_SIZE, token: str | None = None
) -> Page:
    """One ``ListSuppressedDestinations`` call: the page that ``token`` starts."""
    request = _listing(reason, page_size)
    if token:
        request["NextToken"] = token
    answer = call(client, "ListSuppressedDestinations", "list_suppressed_destinations", **request)
    return Page(_entries(answer), answer.get("NextToken") or None)


def pages(
    client: Any, *, reason: str | None = None, page_size: int = PAGE_SIZE
) -> Iterator[list[SuppressedDestination]]:
    """The whole list, page by page (one call each)."""
    answers = paginate(
        client,
        "ListSuppressedDestinations",
        "list_suppressed_destinations",
        _listing(reason, page_size),
    )
    for answer in answers:
        yield _entries(answer)


def lookup(client: Any, address: str) -> SuppressedDestination | None:
    """``address``'s entry (one ``GetSuppressedDestination`` call); ``None``: not suppressed."""
    try:
        answer = call(
            client, "GetSuppressedDestination", "get_suppressed_destination", EmailAddress=address
        )
    except StatsError as error:
        if error.code == NOT_FOUND:
            return None
        raise
    return SuppressedDestination.from_answer(answer.get("SuppressedDestination") or {})


def suppress(client: Any, address: str, reason: str, *, account: str) -> None:
    """Put ``address`` on the list with ``reason`` (``BOUNCE`` or ``COMPLAINT``).

    ``account`` is the sending backend's ``throttle_key``: whose cached
    pre-send answer is forgotten.
    """
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}, not {reason!r}")
    call(
        client,
        "PutSuppressedDestination",
        "put_suppressed_destination",
        EmailAddress=address,
        Reason=reason,
    )
    suppression_cache.forget(account, [address])


def unsuppress(client: Any, address: str, *, account: str) -> bool:
    """Take ``address`` off the list; False when it was not on it."""
    try:
        call(
            client,
            "DeleteSuppressedDestination",
            "delete_suppressed_destination",
            EmailAddress=address,
        )
    except StatsError as error:
        if error.code != NOT_FOUND:
            raise
        removed = False
    else:
        removed = True
    suppression_cache.forget(account, [address])
    return removed
