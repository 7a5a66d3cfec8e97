"""The throttle's last check, at the moment a send request is written to the socket.

A send is booked with the throttle before its call, but botocore serialises
and signs the request before writing it, and a thread may be held up there
(the first call of a client loads its models; in a concurrent batch the
threads share the interpreter). A request written later than its booked
start would arrive closer to the next ones than the limiter planned.

So the :class:`Ticket` of each call travels with it (a thread-local, set by
:func:`boarding` around the call), and a handler on botocore's
``before-send`` event of the send operations, which runs after signing and
just before the request is written, checks it (:meth:`Ticket.board`):

* a request later than its booked start by more than :data:`LATE` gives its
  booking back and books again at this moment, then waits for that start;
* a retry by botocore (after an answer SES did not accept: throttling, a
  5xx, a connection refused) gives the failed attempt's booking back and
  books the new attempt;
* otherwise it waits, if need be, for the booked start.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django_ses.aws.retries import SEND_OPERATIONS
from django_ses.sending.schedule import JITTER_MARGIN
from django_ses.sending.throttle import RateLimiter

__all__ = ["LATE", "Ticket", "boarding", "install"]

#: How late a request may be written, past its booked start, before it books again (seconds).
LATE = JITTER_MARGIN / 2

_current = threading.local()


@dataclass
class Ticket:
    """The booking of one API call: ``count`` recipients from ``start`` on ``limiter``."""

    limiter: RateLimiter
    count: int
    start: float
    attempts: int = 0

    def board(self) -> None:
        """Called as the request is about to be written (see the module docstring)."""
        if self.attempts or self.limiter.clock() > self.start + LATE:
            self.limiter.refund(self.start, self.count)
            self.start = self.limiter.reserve(self.count)
        self.attempts += 1
        self.limiter.wait_until(self.start)


@contextmanager
def boarding(ticket: Ticket) -> Iterator[Ticket]:
    """Make ``ticket`` the booking of the send call made in this block, in this thread."""
    _current.ticket = ticket
    try:
        yield ticket
    finally:
        _current.ticket = None


def _before_send(**kwargs: Any) -> None:
    ticket: Ticket | None = getattr(_current, "ticket", None)
    if ticket is not None:
        ticket.board()
    # None: botocore goes on and writes the request.


def install(client: Any) -> bool:
    """Register the check on ``client``'s send operations (once); False if it is not botocore's."""
    meta = getattr(client, "meta", None)
    events = getattr(meta, "events", None)
    service = getattr(getattr(meta, "service_model", None), "service_id", None)
    if events is None or service is None:
        return False  # a test double of an overridden create_session
    service_name = service.hyphenize()
    for operation in SEND_OPERATIONS.get(service_name, ()):
        events.register(
            f"before-send.{service_name}.{operation}",
            _before_send,
            unique_id=f"django-ses-throttle-boarding-{service_name}-{operation}",
        )
    return True
