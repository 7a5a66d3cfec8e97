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
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# The worker needs only SESBackend (the type): it never imports
# django_ses.backends.queued, which imports django_ses.tasks (whose
# send_queued_email calls this module).
from django_ses.backends.ses import SESBackend
from django_ses.conf import get_setting
from django_ses.exceptions import (
    ClassLoadError,
    ConfigurationError,
    DeliveryInProgressError,
    InvalidMessageError,
    SendingPausedError,
    SESClientSetupError,
    SESConnectionError,
    SESError,
    SESServerError,
    ThrottledError,
)
from django_ses.loading import import_class
from django_ses.send_log import writer as send_log
from django_ses.sending.mime import Recipient
from django_ses.sending.progress import DeliveryProgress
from django_ses.sending.queued_email import PAYLOAD_FORMAT, QueuedEmail
from django_ses.sending.result import Outcome, announce_sent, record
from django_ses.sending.status import FAILED, SENT, SUPPRESSED, SESStatus
from django_ses.sending.suppression import Suppression

__all__ = ["deliver", "deliver_queued", "is_retryable"]

logger = logging.getLogger(__name__)


def is_retryable(error: BaseException) -> bool:
    """True when sending again later may succeed without changing the message.

    Throttling and quota errors, network failures and SES server errors are
    transient; SES configuration and permission problems, paused sending and
    credential errors need an operator but not a different message. Rejected
    or invalid messages (and any other SES 4xx) are not retryable.
    """
    return isinstance(
        error,
        (
            ThrottledError,
            SESConnectionError,
            SESServerError,
            DeliveryInProgressError,
            ConfigurationError,
            SendingPausedError,
            SESClientSetupError,
        ),
    )


def deliver(payload: Any) -> dict[str, Any]:
    """Send the message of a ``send_queued_email`` payload; return a JSON-safe summary.

    The summary: ``delivery_id``, ``status`` (``"sent"``, ``"failed"`` or
    ``"suppressed"``), ``message_ids``, ``suppressed_recipients``,
    ``unsent_recipients``, ``error`` and ``error_code``.

    * Transient failures (throttling, network, SES 5xx) and AWS-side problems
      that an operator must fix (configuration set or identity missing,
      permissions, paused sending, credentials) raise the typed
      :class:`~django_ses.exceptions.SESError`, so the task backend records a
      failed attempt. Running the task again sends only to the recipients SES
      has not accepted yet.
    * A worker that cannot build the backend (the backend class cannot be
      imported, the ``MAILERS`` alias is missing, a bad setting) raises
      :class:`~django.core.exceptions.ImproperlyConfigured`, likewise.
    * A message SES rejects (``MessageRejected``, any other 4xx) and a payload
      that cannot be read are logged at ERROR and returned with status
      ``"failed"``: the task succeeds, as retrying cannot help.
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
            "message_ids": [],
            "suppressed_recipients": [],
            "unsent_recipients": [],
            "error": str(error),
            "error_code": None,
        }
    return deliver_queued(backend, queued)


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


def deliver_queued(backend: SESBackend, queued: QueuedEmail) -> dict[str, Any]:
    """Send ``queued`` with ``backend``; see :func:`deliver` for what is raised and returned."""
    progress = DeliveryProgress(queued.delivery_id)
    if not progress.lock():
        raise DeliveryInProgressError(
            f"Queued message {queued.delivery_id} is being sent by another worker; run "
            "this task again later (it will not send to anyone twice)."
        )
    try:
        return _deliver(backend, queued, progress)
    finally:
        progress.unlock()


def _deliver(
    backend: SESBackend, queued: QueuedEmail, progress: DeliveryProgress
) -> dict[str, Any]:
    message = queued.rebuild_message()
    progress.load()
    if progress.completed:
        logger.info(
            "django_ses: queued message %s was already sent; not sending it again.",
            queued.delivery_id,
        )
        return _finish(queued, Outcome(message, _sent(progress, None, progress.suppressed)))
    remaining = [r for r in queued.recipients if not progress.is_accepted(r)]
    suppression = Suppression.lookup(
        (r.address for r in remaining), enabled=backend.options.use_blacklist
    )
    remaining, newly_suppressed = suppression.split(remaining)
    suppressed = queued.suppressed_recipients + newly_suppressed
    if not remaining and not progress.message_ids:
        logger.info(
            "django_ses: queued message %s not sent: every recipient is on the blacklist.",
            queued.delivery_id,
        )
        status = SESStatus(SUPPRESSED, suppressed_recipients=suppressed)
        return _finish(queued, Outcome(message, status))
    request_id = None
    if remaining:
        payload = replace(
            queued.email_payload(), recipients=tuple(remaining), suppressed=suppressed
        )
        with backend.open_sender() as sender:
            outcome = sender.send(message, payload, on_accepted=progress.record_accepted)
        # AWS_SES_SEND_LOG: what this run got accepted, before any error is handled.
        send_log.record_outcomes([outcome], payload=payload, queued=True)
        error = outcome.status.error
        if isinstance(error, SESError):
            unsent = [r for r in remaining if not progress.is_accepted(r)]
            return _failed(queued, outcome, progress, error, unsent)
        if error is not None:
            raise error
        request_id = outcome.status.request_id
    progress.record_completed(suppressed)
    summary = _finish(queued, Outcome(message, _sent(progress, request_id, suppressed)))
    announce_sent(type(backend), message)
    return summary


def _failed(
    queued: QueuedEmail,
    outcome: Outcome,
    progress: DeliveryProgress,
    error: SESError,
    unsent: list[Recipient],
) -> dict[str, Any]:
    status = replace(
        outcome.status,
        status=error.outcome,  # type: ignore[arg-type]
        message_id=progress.message_ids[0] if progress.message_ids else None,
        request_id=error.request_id,
        message_ids=tuple(progress.message_ids),
    )
    summary = _finish(queued, Outcome(outcome.message, status))
    if is_retryable(error):
        logger.warning(
            "django_ses: queued message %s not sent to %d recipient(s), will fail the "
            "task so it can be retried: %s",
            queued.delivery_id,
            len(unsent),
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


def _sent(
    progress: DeliveryProgress, request_id: str | None, suppressed: tuple[str, ...]
) -> SESStatus:
    return SESStatus(
        SENT,
        message_id=progress.message_ids[0] if progress.message_ids else None,
        request_id=request_id,
        message_ids=tuple(progress.message_ids),
        suppressed_recipients=suppressed,
    )


def _finish(queued: QueuedEmail, outcome: Outcome) -> dict[str, Any]:
    """Record ``outcome`` on the rebuilt message; return the task's JSON-safe summary."""
    record(outcome)
    status, error = outcome.status, outcome.status.error
    return {
        "delivery_id": queued.delivery_id,
        "status": status.status,
        "message_ids": list(status.message_ids),
        "suppressed_recipients": list(status.suppressed_recipients),
        "unsent_recipients": list(status.unsent_recipients),
        "error": str(error) if error is not None else None,
        "error_code": error.ses_code if isinstance(error, SESError) else None,
    }
