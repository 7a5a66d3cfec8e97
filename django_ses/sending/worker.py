"""The worker side of queued sending: :func:`deliver` sends one ``send_queued_email`` payload.

The payload (:class:`~django_ses.sending.queued_email.QueuedEmail`) names the
backend class and its options; the worker builds that backend, checks the
blacklist again, and sends the message with the same
:class:`~django_ses.sending.sender.Sender` as ``SESBackend``, throttled by the
same limiter (``AWS_SES_RATE_LIMIT_CACHE`` makes every worker share the
account's rate). The sender's progress hook records each accepted chunk
(:mod:`~django_ses.sending.progress`), so a task that runs again never sends to
a recipient SES already accepted; a duplicate run while another worker sends
raises :class:`~django_ses.exceptions.DeliveryInProgressError`.

After a failed attempt, :func:`~django_ses.sending.retry.plan_retry` decides:
a transient failure is queued again through the ``requeue`` hook the task
passes (when its task backend supports deferred tasks), with backoff; an
outcome SES may have accepted is recorded ``unknown`` and never sent again;
the last attempt, or a failure retrying cannot fix, ends ``failed``
(:mod:`~django_ses.sending.outcomes`: the ``QueuedDelivery`` row and the
``message_failed`` signal).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage

# The worker needs only SESBackend (the type): it never imports
# django_ses.backends.queued, which imports django_ses.tasks (whose
# send_queued_email calls this module).
from django_ses.backends.ses import SESBackend
from django_ses.conf import get_setting
from django_ses.exceptions import (
    ClassLoadError,
    DailyQuotaExceededError,
    DeliveryInProgressError,
    InvalidMessageError,
    SESError,
)
from django_ses.loading import import_class
from django_ses.send_log import writer as send_log
from django_ses.sending.mime import Recipient
from django_ses.sending.outcomes import announce_failed, record_delivery
from django_ses.sending.progress import DeliveryProgress, QuotaPause
from django_ses.sending.queued_email import PAYLOAD_FORMAT, QueuedEmail
from django_ses.sending.result import Outcome, announce_sent, record
from django_ses.sending.retry import is_retryable, plan_retry
from django_ses.sending.status import FAILED, SENT, SUPPRESSED, UNKNOWN, SESStatus
from django_ses.sending.suppression import Suppression

__all__ = ["Requeue", "deliver", "deliver_queued", "is_retryable"]

logger = logging.getLogger(__name__)

#: The task's hook: queue ``payload`` again, to run ``delay`` seconds from now.
Requeue = Callable[[dict[str, Any], float], object]

#: The summary status of an attempt that failed and was queued again.
RETRYING = "retrying"


def deliver(payload: Any, requeue: Requeue | None = None) -> dict[str, Any]:
    """Send the message of a ``send_queued_email`` payload; return a JSON-safe summary.

    The summary: ``delivery_id``, ``status`` (``"sent"``, ``"failed"``,
    ``"unknown"``, ``"suppressed"`` or ``"retrying"``), ``attempt``,
    ``message_ids``, ``suppressed_recipients``, ``unsent_recipients``,
    ``error`` and ``error_code``; ``retry_in`` (seconds) when ``"retrying"``.

    ``requeue`` is given by a task whose backend supports deferred tasks
    (``supports_defer``); without it nothing is queued again.

    * A transient failure (throttling other than the daily quota, SES 5xx, a
      connection failure before the request was written, another worker
      holding the message) is queued again with backoff through ``requeue``,
      and this attempt returns ``"retrying"``. The daily quota waits
      ``AWS_SES_QUEUE_QUOTA_DELAY``.
    * After the last attempt (``AWS_SES_QUEUE_MAX_ATTEMPTS``), without
      ``requeue``, and for the problems an operator must fix (configuration
      set or identity missing, permissions, paused sending, credentials), the
      message is ``failed`` and the typed
      :class:`~django_ses.exceptions.SESError` is raised, so the task backend
      records a failed task. Running the task again sends only to the
      recipients SES has not accepted yet.
    * When SES may have accepted the message (a read timeout, a connection
      closed after the request was written), it is ``unknown``: returned,
      logged at ERROR, never queued or sent again.
    * A worker that cannot build the backend raises
      :class:`~django.core.exceptions.ImproperlyConfigured`.
    * A message SES rejects (``MessageRejected``, any other 4xx) and a payload
      that cannot be read are logged at ERROR and returned with status
      ``"failed"``: the task succeeds, as retrying cannot help.

    Every ``failed`` message fires :data:`django_ses.signals.message_failed`;
    every attempt after a failure is recorded in
    :class:`~django_ses.models.QueuedDelivery`.
    """
    try:
        queued = QueuedEmail.from_payload(payload)
        backend = _backend_for(queued)
    except InvalidMessageError as error:
        delivery_id = payload.get("delivery_id") if isinstance(payload, dict) else None
        logger.error("django_ses: cannot send queued message %s: %s", delivery_id, error)
        return {
            "delivery_id": delivery_id,
            "status": FAILED,
            "attempt": None,
            "message_ids": [],
            "suppressed_recipients": [],
            "unsent_recipients": [],
            "error": str(error),
            "error_code": None,
        }
    return deliver_queued(backend, queued, requeue)


def _backend_for(queued: QueuedEmail) -> SESBackend:
    try:
        backend_class = import_class(
            queued.backend,
            SESBackend,
            named_by="The queued payload's backend (QueuedEmail.backend)",
            expected="a QueuedSESBackend subclass.",
        )
    except ClassLoadError as error:
        if error.import_failed:  # ImproperlyConfigured: this worker lacks the code
            raise
        backend_class = None
    if (
        backend_class is None
        or getattr(backend_class, "queued_payload_format", None) != PAYLOAD_FORMAT
    ):
        raise InvalidMessageError(
            f"Not a django_ses queued email payload: {queued.backend!r} is not a "
            "QueuedSESBackend subclass."
        )
    if queued.mailer is None:
        return backend_class(**queued.options)
    mailers = get_setting("MAILERS") or {}
    if queued.mailer not in mailers:
        raise ImproperlyConfigured(
            f"The message was queued by the mailer {queued.mailer!r}, which MAILERS does "
            "not define in this worker."
        )
    options = dict(mailers[queued.mailer].get("OPTIONS") or {})
    return backend_class(alias=queued.mailer, **options)


def deliver_queued(
    backend: SESBackend, queued: QueuedEmail, requeue: Requeue | None = None
) -> dict[str, Any]:
    """Send ``queued`` with ``backend``; see :func:`deliver` for what is raised and returned."""
    progress = DeliveryProgress(queued.delivery_id)
    if not progress.lock():
        error = DeliveryInProgressError(
            f"Queued message {queued.delivery_id} is being sent by another worker; run "
            "this task again later (it will not send to anyone twice)."
        )
        retry_in = _plan(error, queued, requeue)
        if retry_in is None or not _requeue(requeue, queued, retry_in):
            raise error
        logger.info("django_ses: %s Queued again, in %.1f s.", error, retry_in)
        summary = _finish(queued, Outcome(queued.rebuild_message(), SESStatus(FAILED, error=error)))
        return {**summary, "status": RETRYING, "retry_in": retry_in}
    try:
        return _deliver(backend, queued, progress, requeue)
    finally:
        progress.unlock()


def _deliver(
    backend: SESBackend, queued: QueuedEmail, progress: DeliveryProgress, requeue: Requeue | None
) -> dict[str, Any]:
    message = queued.rebuild_message()
    progress.load()
    if progress.completed:
        logger.info(
            "django_ses: queued message %s was already sent; not sending it again.",
            queued.delivery_id,
        )
        return _finish(queued, Outcome(message, _sent(progress, None, progress.suppressed)))
    if progress.unknown:
        logger.error(
            "django_ses: queued message %s is not sent again: SES may have accepted it at "
            "an earlier attempt (its outcome is unknown).",
            queued.delivery_id,
        )
        return _finish(
            queued, Outcome(message, SESStatus(UNKNOWN, message_ids=tuple(progress.message_ids)))
        )
    remaining = [r for r in queued.recipients if not progress.is_accepted(r)]
    suppression = Suppression.lookup(
        (r.address for r in remaining),
        enabled=backend.options.use_blacklist,
        suppression_list=backend.suppression_list_check(),
    )
    remaining, newly_suppressed = suppression.split(remaining)
    suppressed = queued.suppressed_recipients + newly_suppressed
    listed = queued.suppression_list_recipients + suppression.listed(newly_suppressed)
    if not remaining and not progress.message_ids:
        logger.info(
            "django_ses: queued message %s not sent: every recipient is on the blacklist.",
            queued.delivery_id,
        )
        record_delivery(queued, SUPPRESSED)
        status = SESStatus(
            SUPPRESSED, suppressed_recipients=suppressed, suppression_list_recipients=listed
        )
        return _finish(queued, Outcome(message, status))
    request_id = None
    if remaining:
        quota = QuotaPause(backend.throttle_key)
        if quota.until() is not None:
            return _wait_for_quota(backend, queued, message, progress, remaining, requeue)
        payload = replace(
            queued.email_payload(),
            recipients=tuple(remaining),
            suppressed=suppressed,
            on_suppression_list=listed,
        )
        with backend.open_sender() as sender:
            outcome = sender.send(message, payload, on_accepted=progress.record_accepted)
        # AWS_SES_SEND_LOG: what this run got accepted, before any error is handled.
        send_log.record_outcomes([outcome], payload=payload, queued=True)
        error = outcome.status.error
        if isinstance(error, DailyQuotaExceededError):
            quota.set(_number("AWS_SES_QUEUE_QUOTA_DELAY"))
        if isinstance(error, SESError):
            unsent = [r for r in remaining if not progress.is_accepted(r)]
            return _failed(backend, queued, outcome, progress, error, unsent, requeue)
        if error is not None:
            raise error
        request_id = outcome.status.request_id
    progress.record_completed(suppressed)
    summary = _finish(queued, Outcome(message, _sent(progress, request_id, suppressed, listed)))
    record_delivery(queued, SENT, message_ids=progress.message_ids)
    announce_sent(type(backend), message)
    return summary


def _wait_for_quota(
    backend: SESBackend,
    queued: QueuedEmail,
    message: EmailMessage,
    progress: DeliveryProgress,
    remaining: list[Recipient],
    requeue: Requeue | None,
) -> dict[str, Any]:
    """A worker saw the daily quota spent a moment ago: fail this attempt without asking SES."""
    response = {
        "Error": {
            "Code": "Throttling",
            "Message": "Daily message quota exceeded (seen by a worker shortly before: SES "
            "was not asked again; see AWS_SES_QUEUE_QUOTA_DELAY).",
        }
    }
    error = DailyQuotaExceededError(response, "SendRawEmail")
    unsent = tuple(r.address for r in remaining)
    status = SESStatus(FAILED, error=error, unsent_recipients=unsent)
    return _failed(backend, queued, Outcome(message, status), progress, error, remaining, requeue)


def _failed(
    backend: SESBackend,
    queued: QueuedEmail,
    outcome: Outcome,
    progress: DeliveryProgress,
    error: SESError,
    unsent: list[Recipient],
    requeue: Requeue | None,
) -> dict[str, Any]:
    status = replace(
        outcome.status,
        status=error.outcome,  # type: ignore[arg-type]
        message_id=progress.message_ids[0] if progress.message_ids else None,
        request_id=error.request_id,
        message_ids=tuple(progress.message_ids),
    )
    message = outcome.message
    summary = _finish(queued, Outcome(message, status))
    ids = progress.message_ids
    if error.outcome == UNKNOWN:
        progress.record_unknown()
        record_delivery(queued, UNKNOWN, error=error, message_ids=ids)
        logger.error(
            "django_ses: queued message %s may or may not have reached SES; it is not sent "
            "again (status unknown): %s",
            queued.delivery_id,
            error,
        )
        return summary
    retry_in = _plan(error, queued, requeue)
    if retry_in is not None and _requeue(requeue, queued, retry_in):
        record_delivery(queued, RETRYING, error=error, message_ids=ids, retry_in=retry_in)
        logger.warning(
            "django_ses: queued message %s not sent to %d recipient(s) at attempt %d; "
            "queued again, in %.1f s: %s",
            queued.delivery_id,
            len(unsent),
            queued.attempt,
            retry_in,
            error,
        )
        return {**summary, "status": RETRYING, "retry_in": retry_in}
    record_delivery(queued, FAILED, error=error, message_ids=ids)
    announce_failed(type(backend), queued, message, error)
    if is_retryable(error):
        logger.error(
            "django_ses: queued message %s not sent to %d recipient(s) at attempt %d; the "
            "task fails (run it again once the cause is fixed): %s",
            queued.delivery_id,
            len(unsent),
            queued.attempt,
            error,
        )
        raise error from error.__cause__
    logger.error(
        "django_ses: queued message %s rejected by SES for %d recipient(s) (%s); it "
        "will not be retried: %s",
        queued.delivery_id,
        len(unsent),
        ", ".join(r.destination for r in unsent),
        error,
    )
    return summary


def _plan(error: BaseException, queued: QueuedEmail, requeue: Requeue | None) -> float | None:
    """Seconds until the next attempt, or ``None``: no more attempts."""
    plan = plan_retry(
        error,
        attempt=queued.attempt,
        max_attempts=int(_number("AWS_SES_QUEUE_MAX_ATTEMPTS")),
        base_delay=_number("AWS_SES_QUEUE_RETRY_DELAY"),
        quota_delay=_number("AWS_SES_QUEUE_QUOTA_DELAY"),
        can_defer=requeue is not None,
    )
    return plan.retry_in


def _requeue(requeue: Requeue | None, queued: QueuedEmail, retry_in: float) -> bool:
    """Queue the next attempt; False (logged) when the task backend refuses it."""
    if requeue is None:
        return False
    try:
        requeue(replace(queued, attempt=queued.attempt + 1).to_payload(), retry_in)
    except Exception:
        logger.exception(
            "django_ses: could not queue queued message %s again; it is not retried.",
            queued.delivery_id,
        )
        return False
    return True


def _number(name: str) -> float:
    value = get_setting(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ImproperlyConfigured(f"{name} must be a number of at least 0, not {value!r}.")
    return float(value)


def _sent(
    progress: DeliveryProgress,
    request_id: str | None,
    suppressed: tuple[str, ...],
    listed: tuple[str, ...] = (),
) -> SESStatus:
    return SESStatus(
        SENT,
        message_id=progress.message_ids[0] if progress.message_ids else None,
        request_id=request_id,
        message_ids=tuple(progress.message_ids),
        suppressed_recipients=suppressed,
        suppression_list_recipients=listed,
    )


def _finish(queued: QueuedEmail, outcome: Outcome) -> dict[str, Any]:
    """Record ``outcome`` on the rebuilt message; return the task's JSON-safe summary."""
    record(outcome)
    status, error = outcome.status, outcome.status.error
    return {
        "delivery_id": queued.delivery_id,
        "status": status.status,
        "attempt": queued.attempt,
        "message_ids": list(status.message_ids),
        "suppressed_recipients": list(status.suppressed_recipients),
        "unsent_recipients": list(status.unsent_recipients),
        "error": str(error) if error is not None else None,
        "error_code": error.ses_code if isinstance(error, SESError) else None,
    }
