"""What a send attempt did to each message, and the one place it is written on the message.

Both backends and the queued worker produce :class:`Outcome` values;
:func:`record` is the only writer of ``message.ses_status`` (and of the
django-ses compatibility keys in ``extra_headers``), and :func:`announce_sent`
the only sender of :data:`django_ses.signals.message_sent`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.core.mail import EmailMessage

from django_ses import signals
from django_ses.exceptions import BatchAbortedError
from django_ses.sending.mime import RESULT_KEYS
from django_ses.sending.status import FAILED, SESStatus

__all__ = ["Outcome", "aborted", "announce_sent", "failed", "forget_previous_result", "record"]

# docs/sending.rst names the logger of a raising message_sent receiver:
# "django_ses" itself (and the test suite filters on that name).
logger = logging.getLogger("django_ses")


@dataclass(frozen=True)
class Outcome:
    """The result of one send attempt of one message."""

    message: EmailMessage
    status: SESStatus
    #: The HTTP status of SES's first answer (``extra_headers["status"]``).
    http_status: int | None = None
    #: The task result, when the message was queued (``message.ses_task_result``).
    task_result: Any = None


def failed(message: EmailMessage, error: BaseException) -> Outcome:
    """The outcome of a message that was not sent because of ``error``."""
    return Outcome(message, SESStatus(FAILED, error=error))


def aborted(cause: BaseException) -> BatchAbortedError:
    """The error of a message not attempted because an earlier one failed with ``cause``."""
    error = BatchAbortedError(
        f"Not attempted: an earlier message of the same send_messages() call failed ({cause})."
    )
    error.__cause__ = cause
    return error


def forget_previous_result(message: EmailMessage) -> None:
    """Remove the result keys an earlier send left in ``message.extra_headers``."""
    headers = message.extra_headers
    if headers:
        for key in RESULT_KEYS:
            headers.pop(key, None)


def record(outcome: Outcome) -> None:
    """Write ``outcome`` on its message: ``ses_status``, and the results of a sent message.

    A sent message also gets ``extra_headers["message_id"]``, ``["request_id"]``
    and ``["status"]``, as django-ses wrote them (never sent as MIME headers).
    """
    message, status = outcome.message, outcome.status
    message.ses_status = status  # type: ignore[attr-defined]
    if outcome.task_result is not None:
        message.ses_task_result = outcome.task_result  # type: ignore[attr-defined]
    if status.sent:
        message.extra_headers["message_id"] = status.message_id
        message.extra_headers["request_id"] = status.request_id
        message.extra_headers["status"] = outcome.http_status or 200


def announce_sent(backend_class: type, message: EmailMessage) -> None:
    """Fire ``message_sent`` for an accepted message; a raising receiver is logged."""
    results = signals.message_sent.send_robust(sender=backend_class, message=message)
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error(
                "django_ses: a message_sent receiver (%r) raised; the message was sent.",
                receiver,
                exc_info=(type(result), result, result.__traceback__),
            )
