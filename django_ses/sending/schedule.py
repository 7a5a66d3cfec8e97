"""The auto-throttle's rule, as pure functions on a :class:`Schedule`.

:mod:`django_ses.sending.throttle` holds the schedule of each account and
region (in the process, or in a shared cache) and calls these functions under
its lock; they never read a clock or sleep.

The limiter
-----------
SES counts every recipient of a message against the send rate, so the limiter
counts recipients. Its guarantee, for a rate of ``r`` per second: in any
one-second window, the sends it lets through carry at most ``r`` recipients,
even if requests reach SES up to :data:`JITTER_MARGIN` (25 ms) later or
earlier relative to each other. To that end it plans over windows of
:data:`WINDOW` = 1.025 seconds, which costs 2.4% of the throughput. It also
spreads sends evenly instead of letting them through in bursts.

It combines two rules (see :func:`plan_send`, a pure function), with
``W`` = :data:`WINDOW`:

1. Even spacing (GCRA, "virtual scheduling" without burst tolerance): a send
   of ``n`` recipients starting at ``t`` makes the next send wait until
   ``t + n * W / r``. After a pause no credit builds up, so there is no burst.
   When rule 2 held a send back, up to :data:`CATCH_UP` (100 ms) of that wait
   is not charged to the spacing, so the following sends make it up (rule 2
   still bounds them).
2. An exact sliding window: a send may start at ``t`` only if the sends that
   started in ``(t - W, t]``, plus this one, carry at most ``r`` recipients.

Rule 1 alone keeps single-recipient sends within the limit; rule 2 makes the
guarantee hold for messages with several recipients too (a 5-recipient
message after a run of single ones waits until the window has room for 5). A
message with more recipients than ``r`` cannot fit any one-second window. It
is still sent: it waits until nothing was sent in the preceding window, goes
alone, and the next send waits ``n * W / r`` seconds after it, so the
long-run rate stays under ``r``.

A batch sent concurrently books with :func:`pick_send`: of the next messages
waiting, the one that can start first (the largest of those that can start
at once), so a window that cannot take a 5-recipient message is filled with
smaller ones; at low rates it looks ahead over the waiting messages and
picks the one after which all of them are sent soonest. A booking whose
call SES did not accept (a rejection, a refused connection) is given back
with :func:`refund_send`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CATCH_UP",
    "JITTER_MARGIN",
    "LOOK_AHEAD_RATE",
    "WINDOW",
    "Schedule",
    "pick_send",
    "plan_send",
    "refund_send",
]

#: How much later or earlier, relative to each other, sends may reach SES (network
#: and scheduling jitter) without breaking the one-second guarantee, in seconds.
JITTER_MARGIN = 0.025
#: The window the limiter plans over: one second plus the margin.
WINDOW = 1.0 + JITTER_MARGIN
#: The most of a wait for room in the window (rule 2) that the spacing makes up, in seconds.
CATCH_UP = 0.1


@dataclass(frozen=True)
class Schedule:
    """A limiter's state, on the limiter's clock.

    ``next_start`` is the earliest time the next send may start (GCRA's
    theoretical arrival time); ``recent`` holds ``(start, recipients)`` of the
    sends that started within the last window, oldest first.
    """

    next_start: float = -math.inf
    recent: tuple[tuple[float, int], ...] = ()

    def to_wire(self) -> tuple[float, tuple[tuple[float, int], ...]]:
        """Plain tuples, for storing in a cache."""
        return (self.next_start, self.recent)

    @classmethod
    def from_wire(cls, value: object) -> Schedule:
        """The inverse of :meth:`to_wire`; anything unreadable is an empty schedule."""
        try:
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                return cls()
            next_start: Any = value[0]
            recent: Any = value[1]
            entries: tuple[tuple[float, int], ...] = tuple(
                (float(start), int(count)) for start, count in recent
            )
            return cls(next_start=float(next_start), recent=entries)
        except (TypeError, ValueError):
            return cls()


def plan_send(schedule: Schedule, *, now: float, count: int, rate: float) -> tuple[float, Schedule]:
    """Return when a send of ``count`` recipients may start, and the new schedule.

    Pure: the caller holds the lock, supplies ``now`` and stores the result.
    """
    spaced = max(now, schedule.next_start)
    start = spaced
    # Sliding window: the sends in (start - WINDOW, start] plus this one must carry at
    # most `rate` recipients. Walk back from the newest; the first send that
    # would overflow the budget must fall out of the window.
    budget = rate - count
    carried = 0
    for sent_at, recipients in reversed(schedule.recent):
        carried += recipients
        if carried > budget + 1e-9:
            start = max(start, sent_at + WINDOW)
            break
    recent = tuple(entry for entry in schedule.recent if entry[0] > start - WINDOW)
    # Time spent waiting for the window is partly made up (not for an oversized send).
    credited = max(spaced, start - CATCH_UP) if count <= rate else start
    # Never before this start: sends start in the order they are booked.
    next_start = max(start, credited + count * WINDOW / rate)
    return start, Schedule(next_start=next_start, recent=(*recent, (start, count)))


def pick_send(
    schedule: Schedule, *, now: float, counts: Sequence[int], rate: float
) -> tuple[int, float, Schedule]:
    """Choose one of several waiting sends: its index in ``counts``, its start, the schedule.

    Pure. The waiting sends are those of one concurrent batch, whose order is
    not promised, so the choice packs the windows:

    * the **greedy rule**: the send that can start first, the largest of those
      that start together, the first waiting of those of the same size;
    * at rates up to :data:`LOOK_AHEAD_RATE`, where whole messages fill a
      window unevenly, it **looks ahead**: each size waiting is tried first,
      the others following by the greedy rule, and the choice is the size
      whose sequence is through soonest (the end of the spacing of its last
      send; the larger on a tie, the first waiting of that size). A window
      crowded with single-recipient sends may so leave room for a large
      message now, rather than keep its small gaps filled with small ones
      until only large messages are left, each of which would then leave
      most of a window unused.
    """
    if not counts:
        raise ValueError("pick_send needs at least one send to choose from.")
    first_of: dict[int, int] = {}
    for index, count in enumerate(counts):
        first_of.setdefault(count, index)
    if len(first_of) == 1 or rate > LOOK_AHEAD_RATE:
        count, start, planned = _greedy(schedule, now, first_of, rate)
        return first_of[count], start, planned
    waiting = Counter(counts)
    best: tuple[tuple[float, int], int, float, Schedule] | None = None
    for count, index in first_of.items():
        start, planned = plan_send(schedule, now=now, count=count, rate=rate)
        waiting[count] -= 1
        through = _through(planned, start, waiting, rate)
        waiting[count] += 1
        key = (round(through, 9), -count)
        if best is None or key < best[0]:
            best = (key, index, start, planned)
    assert best is not None
    return best[1], best[2], best[3]


#: The highest rate (recipients per second) at which :func:`pick_send` looks ahead.
LOOK_AHEAD_RATE = 64.0


def _greedy(
    schedule: Schedule, now: float, sizes: Iterable[int], rate: float
) -> tuple[int, float, Schedule]:
    """The size that can start first (the largest of those that start together)."""
    best: tuple[tuple[float, int], float, Schedule] | None = None
    for count in sizes:
        start, planned = plan_send(schedule, now=now, count=count, rate=rate)
        key = (round(start, 9), -count)
        if best is None or key < best[0]:
            best = (key, start, planned)
    assert best is not None
    return -best[0][1], best[1], best[2]


def _through(schedule: Schedule, now: float, waiting: Counter[int], rate: float) -> float:
    """When ``waiting`` (sizes and how many of each), sent by the greedy rule, is through:
    the next start the schedule allows after the last of them."""
    left = +waiting
    while left:
        count, now, schedule = _greedy(schedule, now, left, rate)
        left[count] -= 1
        left = +left
    return schedule.next_start


def refund_send(schedule: Schedule, *, start: float, count: int, rate: float) -> Schedule:
    """The schedule without the booking ``(start, count)``: SES did not accept that send.

    Pure. The window forgets the booking and the spacing gives back its share,
    never before the newest booking that remains.
    """
    recent = list(schedule.recent)
    if (start, count) in recent:
        recent.remove((start, count))
    floor = max((at for at, _ in recent), default=-math.inf)
    next_start = max(floor, schedule.next_start - count * WINDOW / rate)
    return Schedule(next_start=next_start, recent=tuple(recent))
