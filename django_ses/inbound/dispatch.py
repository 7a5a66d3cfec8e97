"""The webhook's entry points for SES ``Received`` notifications, in two steps.

1. :func:`fetch_received` loads the handler and reads the mail (decodes the
   SNS action's content, or downloads the S3 object) with no database access,
   so the webhook runs it before its transaction opens. It never raises for
   the mail: what went wrong is kept in the :class:`FetchedMail`.
2. :func:`dispatch_fetched` runs the rest in a savepoint (parse, ``process``,
   ``inbound_received``), stores a permanent failure as a ``FailedInboundEmail``
   and raises :class:`~django_ses.exceptions.InboundTransientError` when SNS
   should deliver the notification again.

:func:`dispatch_received` is the two in one call, as django-ses's tests and the
documentation use it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import Any

from django.db import DatabaseError, transaction

from django_ses.exceptions import InboundTransientError, UnprocessableError
from django_ses.inbound.failures import record_failure
from django_ses.inbound.handlers import BaseHandler, get_handler_class

__all__ = [
    "SETUP_NOTIFICATION_ID",
    "FetchedMail",
    "dispatch_fetched",
    "dispatch_received",
    "fetch_received",
]

logger = logging.getLogger(__name__)

#: The ``mail.messageId`` of the notification SES sends when a receipt rule is created.
SETUP_NOTIFICATION_ID = "AMAZON_SES_SETUP_NOTIFICATION"


@dataclass(frozen=True)
class FetchedMail:
    """One ``Received`` notification with its mail read, for :func:`dispatch_fetched`.

    ``handler_class`` is ``None`` when ``AWS_SES_INBOUND_HANDLER`` can't be
    loaded (``error`` says why). ``handler`` is ``None`` when there is nothing
    to hand to one (a setup notification, a malformed notification, a handler
    that can't be loaded or built). ``read`` is ``True`` when the handler has
    read the mail (``handler.content``); it is ``False`` for a handler that
    overrides ``handle()`` itself, which then reads and processes in one go.
    ``error`` is what reading raised, reported by :func:`dispatch_fetched`.
    """

    notification: dict[str, Any]
    sns_message_id: str
    topic_arn: str
    handler_class: type[BaseHandler] | None = None
    handler: BaseHandler | None = None
    read: bool = False
    error: Exception | None = None

    @property
    def content(self) -> bytes | None:
        """The raw MIME message, once read."""
        return self.handler.content if self.handler is not None else None

    @property
    def is_setup_notification(self) -> bool:
        mail_obj = self.notification.get("mail")
        return isinstance(mail_obj, dict) and mail_obj.get("messageId") == SETUP_NOTIFICATION_ID


def fetch_received(message: dict[str, Any], *, sns_message_id: str, topic_arn: str) -> FetchedMail:
    """Load the handler for one ``Received`` notification and read its mail; no database access.

    ``message`` is the parsed SNS ``Message`` (SES's notification).
    """
    fetched = FetchedMail(message, sns_message_id, topic_arn)
    mail_obj = message.get("mail")
    receipt = message.get("receipt")
    if not isinstance(mail_obj, dict) or not isinstance(receipt, dict):
        reason = "The Received notification has no mail or receipt object."
        return replace(fetched, error=UnprocessableError(reason))
    if fetched.is_setup_notification:
        return fetched
    try:
        handler_class = get_handler_class()
    except Exception as exc:  # ClassLoadError: the setting can't be used
        return replace(fetched, error=exc)
    fetched = replace(fetched, handler_class=handler_class)
    try:
        handler = handler_class(
            mail_obj=mail_obj,
            receipt=receipt,
            raw_message=json.dumps(message).encode("utf-8"),
        )
        handler.sns_message_id = sns_message_id
        handler.topic_arn = topic_arn
    except Exception as exc:  # a subclass's __init__ failing
        return replace(fetched, error=exc)
    fetched = replace(fetched, handler=handler)
    if type(handler).handle is not BaseHandler.handle:
        return fetched  # it reads and processes in one go, in dispatch_fetched
    try:
        handler.fetch(message.get("content"))
    except Exception as exc:  # reported (stored or retried) by dispatch_fetched
        return replace(fetched, error=exc)
    return replace(fetched, read=True)


def dispatch_fetched(fetched: FetchedMail) -> None:
    """Process mail read by :func:`fetch_received`: run the handler, or report why it can't.

    Returns when the mail was handled, or when a permanent failure was stored;
    raises :class:`~django_ses.exceptions.InboundTransientError` when SNS
    should deliver it again.
    """
    if fetched.is_setup_notification:
        logger.info("SES receipt rule setup notification from %s acknowledged.", fetched.topic_arn)
        return
    mail_obj = fetched.notification.get("mail")
    message_id = mail_obj.get("messageId") if isinstance(mail_obj, dict) else None
    try:
        _run(fetched)
    except UnprocessableError as exc:
        raw = exc.raw_message if exc.raw_message is not None else fetched.content
        reason = str(exc) or f"{_handler_name(fetched)} raised {type(exc).__name__}"
        record_failure(
            reason, fetched.notification, sns_message_id=fetched.sns_message_id, raw_message=raw
        )
    except InboundTransientError as exc:
        _log_retry(message_id, str(exc))
        raise
    except DatabaseError as exc:
        _log_retry(message_id, f"database error: {exc}")
        raise InboundTransientError(f"Database error while handling inbound mail: {exc}") from exc
    except Exception as exc:
        if fetched.handler_class is None:  # AWS_SES_INBOUND_HANDLER can't be loaded
            logger.error("Inbound mail %s not handled: %s", message_id, exc)
            raise InboundTransientError(str(exc)) from exc
        reason = f"{_handler_name(fetched)} raised {type(exc).__name__}: {exc}"
        _log_retry(message_id, reason)
        raise InboundTransientError(reason) from exc


def dispatch_received(message: dict[str, Any], *, sns_message_id: str, topic_arn: str) -> None:
    """Handle one SES ``Received`` notification (the parsed SNS ``Message``).

    :func:`fetch_received` then :func:`dispatch_fetched`. Returns when the mail
    was handled, or when a permanent failure was stored; raises
    :class:`~django_ses.exceptions.InboundTransientError` when SNS should
    deliver it again.
    """
    dispatch_fetched(fetch_received(message, sns_message_id=sns_message_id, topic_arn=topic_arn))


def _run(fetched: FetchedMail) -> None:
    if fetched.error is not None:
        raise fetched.error
    handler = fetched.handler
    if handler is None:  # fetch_received always sets one when there is no error
        raise InboundTransientError("The Received notification was not fetched.")
    # A savepoint: a handler that fails leaves no half-done writes behind.
    with transaction.atomic():
        if fetched.read:
            handler.handle_content()
        else:
            handler.handle(content=fetched.notification.get("content"))


def _handler_name(fetched: FetchedMail) -> str:
    return fetched.handler_class.__qualname__ if fetched.handler_class else "The inbound handler"


def _log_retry(message_id: Any, reason: str) -> None:
    # The webhook logs the traceback (this error's cause) when it answers 5xx.
    logger.warning("Inbound mail %s will be retried by SNS: %s", message_id, reason)
