"""The log of queued messages that did not go through at once: ``QueuedDelivery`` rows.

The one writer of :class:`~django_ses.models.QueuedDelivery` and the one sender
of :data:`django_ses.signals.message_failed`. A message sent at its first
attempt gets no row; every attempt after a failure updates the message's row
(``retrying``, then ``sent``, ``failed`` or ``unknown``), shown in the admin.

A row that cannot be written (the database is down) is logged at ERROR: the
outcome of the send itself is never changed by it.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.mail import EmailMessage
from django.db import DatabaseError, transaction
from django.utils import timezone

from django_ses import signals
from django_ses.exceptions import SESError
from django_ses.sending.queued_email import QueuedEmail

__all__ = ["announce_failed", "record_delivery"]

logger = logging.getLogger(__name__)


def record_delivery(
    queued: QueuedEmail,
    status: str,
    *,
    error: BaseException | None = None,
    message_ids: tuple[str, ...] | list[str] = (),
    retry_in: float | None = None,
) -> None:
    """Write the row of ``queued`` after attempt ``queued.attempt`` ended with ``status``.

    A first attempt that was sent (or suppressed) writes nothing.
    """
    if queued.attempt <= 1 and status in ("sent", "suppressed"):
        return
    # The model is imported here for app loading: the backends import this module.
    from django_ses.models import QueuedDelivery

    next_attempt = (
        timezone.now() + datetime.timedelta(seconds=retry_in) if retry_in is not None else None
    )
    values: dict[str, Any] = {
        "status": status,
        "attempts": queued.attempt,
        "subject": queued.subject,
        "from_email": queued.from_email[:255],
        "recipients": [r.destination for r in queued.recipients],
        "next_attempt_at": next_attempt,
    }
    if message_ids:
        values["message_ids"] = list(message_ids)
    if error is not None:
        values["error"] = f"{type(error).__name__}: {error}"
        values["error_code"] = (error.ses_code or "") if isinstance(error, SESError) else ""
    elif status == "sent":
        values["error"] = values["error_code"] = ""
    try:
        with transaction.atomic():
            QueuedDelivery.objects.update_or_create(delivery_id=queued.delivery_id, defaults=values)
    except DatabaseError:
        logger.exception(
            "django_ses: could not record that queued message %s is %s (attempt %d).",
            queued.delivery_id,
            status,
            queued.attempt,
        )


def announce_failed(
    backend_class: type, queued: QueuedEmail, message: EmailMessage, error: BaseException
) -> None:
    """Fire ``message_failed`` for a queued message that will not be sent.

    A receiver that raises is logged; the other receivers still run.
    """
    results = signals.message_failed.send_robust(
        sender=backend_class,
        message=message,
        error=error,
        delivery_id=queued.delivery_id,
        attempts=queued.attempt,
    )
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error(
                "django_ses: a message_failed receiver (%r) raised.",
                receiver,
                exc_info=(type(result), result, result.__traceback__),
            )
