"""The checked messages of one ``send_messages()`` call, sent one after another or at once.

:func:`send_sequentially` sends in order; :func:`send_concurrently` keeps up
to ``concurrency`` messages in flight on a thread pool that shares the
sender's boto3 client (boto3 clients are thread-safe). Each message is
finished (:meth:`~django_ses.sending.payload.Draft.render`: its attachments
spliced into its kept skeleton, or rendered again) when its call comes, by
the thread that makes the call, and freed when the call returns: a batch
never holds more rendered messages than calls in flight, however long it
is. A message that fails to render then (it passed the batch's
check, so this is not expected) fails with that error. Both yield each
message's :class:`~django_ses.sending.result.Outcome` in the calling thread,
so ``message.ses_status`` is written and ``message_sent`` fired there, and
both follow the same rule (:func:`stop_rule`) for an error:

* with ``fail_silently``, an AWS error fails its own message only;
* otherwise, and for anything that is not an AWS error, the first error
  stops the batch: no new call starts, the messages not started fail with
  :class:`~django_ses.exceptions.BatchAbortedError`, and the error is raised;
* an error after which no call can succeed (the daily quota is spent, or the
  wait for the rate is too long for a web request) fails the rest with that
  error, raised unless ``fail_silently``.

In concurrent mode, calls already in flight when the batch stops finish and
keep their real outcome; the error is raised after the last of them. The
calling thread books each call with the throttle before handing it to the
pool (:meth:`~django_ses.sending.sender.Sender.book`, which picks, among the
next :data:`LOOKAHEAD` messages, the one the rate lets go first), and a
worker waits for its booked start before calling SES, so the rate holds
exactly as in sequential mode. Outcomes come in the order calls finish: each
finished call puts itself on a queue the calling thread reads.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.core.mail import EmailMessage

from django_ses.exceptions import SESError
from django_ses.sending.payload import Draft
from django_ses.sending.result import Outcome, aborted, failed
from django_ses.sending.sender import Sender

__all__ = ["LOOKAHEAD", "Stop", "send_concurrently", "send_sequentially", "stop_rule"]

logger = logging.getLogger(__name__)

#: How many of the next messages the throttle may choose from (to fill a window).
LOOKAHEAD = 32

Sendable = tuple[EmailMessage, Draft]


@dataclass(frozen=True)
class Stop:
    """The batch stops: the messages not started fail with ``rest``; ``raise_`` it or not."""

    error: BaseException
    rest: BaseException
    raise_: bool


def _stopping_error(outcome: Outcome) -> BaseException | None:
    """The error that may stop the batch: none for a message SES accepted (a bulk
    message some of whose destinations were refused is accepted)."""
    return None if outcome.status.sent else outcome.status.error


def stop_rule(error: BaseException | None, *, fail_silently: bool) -> Stop | None:
    """What ``error`` (of one message) does to the rest of the batch; ``None``: nothing."""
    if error is None:
        return None
    if isinstance(error, SESError) and error.stops_sending:
        # No further call can succeed now (the daily quota is spent…).
        return Stop(error, error, raise_=not fail_silently)
    if isinstance(error, SESError) and fail_silently:
        logger.warning("django_ses: message not sent: %s", error)
        return None
    # Not an AWS error (a bug in an event hook, KeyboardInterrupt…), or not fail_silently.
    return Stop(error, aborted(error), raise_=True)


def _finish(stop: Stop, rest: list[Sendable]) -> Iterator[Outcome]:
    for message, _ in rest:
        yield failed(message, stop.rest)
    if not stop.raise_:
        logger.warning("django_ses: messages not sent: %s", stop.error)
        return
    error = stop.error
    if isinstance(error, SESError):
        raise error from error.__cause__
    raise error


def send_sequentially(
    sendable: list[Sendable], sender: Sender, *, fail_silently: bool
) -> Iterator[Outcome]:
    """Send one message after the other, in order."""
    for index, (message, draft) in enumerate(sendable):
        outcome = _render_and_send(sender, message, draft)
        yield outcome
        stop = stop_rule(_stopping_error(outcome), fail_silently=fail_silently)
        if stop is not None:
            yield from _finish(stop, sendable[index + 1 :])
            return


def send_concurrently(
    sendable: list[Sendable], sender: Sender, *, fail_silently: bool, concurrency: int
) -> Iterator[Outcome]:
    """Send with up to ``concurrency`` messages in flight (see the module docstring)."""
    pending = list(sendable)
    halted = threading.Event()  # set when the batch stops: booked calls not started give up
    stop: Stop | None = None
    workers = min(concurrency, len(sendable))
    finished: queue.SimpleQueue[Future[Outcome | None]] = queue.SimpleQueue()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="django_ses-send") as pool:
        running: dict[Future[Outcome | None], EmailMessage] = {}
        try:
            while running or (pending and stop is None):
                while pending and stop is None and len(running) < workers:
                    try:
                        index, booked = sender.book([d.head for _, d in pending[:LOOKAHEAD]])
                    except SESError as error:  # the wait for the rate is too long
                        message, _ = pending.pop(0)
                        yield failed(message, error)
                        stop = stop_rule(error, fail_silently=fail_silently)
                        continue
                    message, draft = pending.pop(index)
                    future = pool.submit(_send_one, sender, message, draft, booked, halted)
                    running[future] = message
                    future.add_done_callback(finished.put)
                if not running:
                    break
                for future in _finished(finished):
                    message = running.pop(future)
                    outcome = future.result()
                    if outcome is None:  # booked, but the batch stopped before it started
                        assert stop is not None
                        yield failed(message, stop.rest)
                        continue
                    yield outcome
                    if stop is None:
                        stop = stop_rule(_stopping_error(outcome), fail_silently=fail_silently)
                        if stop is not None:
                            halted.set()
        finally:
            halted.set()
    if stop is not None:
        yield from _finish(stop, pending)


def _finished(finished: queue.SimpleQueue[Future[Outcome | None]]) -> list[Future[Outcome | None]]:
    """The calls finished: at least one (waited for), and any others already there."""
    done = [finished.get()]
    while True:
        try:
            done.append(finished.get_nowait())
        except queue.Empty:
            return done


def _render_and_send(sender: Sender, message: EmailMessage, draft: Draft) -> Outcome:
    """Render ``message`` and send it; its rendered MIME is freed on return."""
    try:
        payload = draft.render(message)
    except Exception as error:
        return failed(message, error)
    return sender.send(message, payload)


def _send_one(
    sender: Sender,
    message: EmailMessage,
    draft: Draft,
    booked: float | None,
    halted: threading.Event,
) -> Outcome | None:
    """A worker: render, wait for the booked start, then send; ``None`` if the batch
    stopped meanwhile."""
    try:
        if halted.is_set():
            sender.refund(booked, draft.head)
            return None
        try:
            payload = draft.render(message)
        except Exception as error:
            sender.refund(booked, draft.head)
            return failed(message, error)
        sender.wait(booked)
        if halted.is_set():
            sender.refund(booked, draft.head)
            return None
        return sender.send(message, payload, booked=booked)
    except BaseException as error:  # never lose an outcome to a worker thread
        return failed(message, error)
