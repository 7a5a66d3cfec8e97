"""The ``handle_*`` hooks of the webhook view, with their default behaviour.

:class:`EventHooks` is the part of
:class:`~django_ses.webhook.views.SESEventWebhookView` that handles a verified
message, in the request or in the ``process_ses_event`` task. Every hook can
be overridden: ``handle_<kind>(notification, message)`` gets the parsed SNS
envelope and the parsed SES record. The default of every SES event kind is
:meth:`EventHooks.handle_event`: the kind's signal and ``event_received``
(with :meth:`get_signal_sender` as ``sender``). The blacklist of bounces and
complaints is done by receivers of those signals
(:func:`django_ses.signals.bounce_handler`, :func:`~django_ses.signals.complaint_handler`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest

from django_ses.events import SESEvent, normalize_event, send_event_signals, ses_event_type
from django_ses.inbound import FetchedMail
from django_ses.sns.subscription import confirm_sns_subscription
from django_ses.webhook import dispatch, received
from django_ses.webhook.config import auto_confirm_subscriptions
from django_ses.webhook.sanitize import loggable

logger = logging.getLogger(__name__)

__all__ = ["EventHandler", "EventHooks"]

#: A ``handle_<kind>`` hook: ``(notification, message) -> None``.
EventHandler = Callable[[Mapping[str, Any], dict[str, Any]], None]


class EventHooks:
    """The hooks that handle verified SNS messages and the SES records they carry."""

    #: Set in the ``process_ses_event`` task: the body the notification came in.
    queued_raw_body: bytes | None = None
    #: Inbound mail read before the ledger's transaction (webhook.received).
    prefetched_mail: FetchedMail | None = None
    request: HttpRequest

    def get_signal_sender(self) -> Any:
        """The ``sender`` of every event signal."""
        return type(self)

    def get_event_handler(self, message: Mapping[str, Any]) -> EventHandler:
        """The hook of the SES record ``message`` (see :mod:`django_ses.webhook.dispatch`)."""
        handler: EventHandler = getattr(self, dispatch.event_hook(message))
        return handler

    def fire_event_signals(
        self, notification: Mapping[str, Any], message: Mapping[str, Any]
    ) -> SESEvent:
        """Normalise ``message`` and fire its signal and ``event_received``."""
        event = normalize_event(
            message,
            sns_message_id=notification.get("MessageId", ""),
            topic_arn=notification.get("TopicArn", ""),
        )
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "Received SES %s event for SES message %s (MessageId=%s, TopicArn=%s)",
                event.event_type,
                loggable(event.message_id),
                loggable(event.sns_message_id),
                loggable(event.topic_arn),
            )
        send_event_signals(event, sender=self.get_signal_sender(), raw_message=self.raw_body())
        return event

    def raw_body(self) -> bytes:
        """The request body (in a task: the body the notification came in)."""
        if self.queued_raw_body is not None:
            return self.queued_raw_body
        request = getattr(self, "request", None)
        return request.body if request is not None else b""

    # -- SNS message types ----------------------------------------------------------------
    def handle_subscription_confirmation(self, notification: Mapping[str, Any]) -> None:
        topic_arn = notification["TopicArn"]
        if not auto_confirm_subscriptions():
            logger.info(
                "SNS subscription not confirmed: AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS is off "
                "(MessageId=%s, TopicArn=%s)",
                loggable(notification["MessageId"]),
                loggable(topic_arn),
            )
            return
        subscription_arn = confirm_sns_subscription(topic_arn, notification["Token"])
        logger.info(
            "Confirmed SNS subscription %s (MessageId=%s, TopicArn=%s)",
            loggable(subscription_arn),
            loggable(notification["MessageId"]),
            loggable(topic_arn),
        )

    def handle_unsubscribe_confirmation(self, notification: Mapping[str, Any]) -> None:
        # Never re-subscribe: the UnsubscribeURL/SubscribeURL are not fetched.
        logger.info(
            "SNS subscription was removed (MessageId=%s, TopicArn=%s)",
            loggable(notification.get("MessageId")),
            loggable(notification.get("TopicArn")),
        )

    def handle_unknown_notification_type(self, notification: Mapping[str, Any]) -> None:
        logger.warning(
            "Ignored an SNS message of unknown Type %s (MessageId=%s, TopicArn=%s)",
            loggable(notification.get("Type")),
            loggable(notification.get("MessageId")),
            loggable(notification.get("TopicArn")),
        )

    # -- SES event types ------------------------------------------------------------------
    def handle_event(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        """The default of every ``handle_<kind>``: the kind's signal and ``event_received``."""
        self.fire_event_signals(notification, message)

    # One hook per kind of django_ses.events.EVENT_KINDS (dispatch.EVENT_ROUTES names them).
    handle_bounce = handle_complaint = handle_delivery = handle_send = handle_event
    handle_open = handle_click = handle_reject = handle_rendering_failure = handle_event
    handle_delivery_delay = handle_subscription = handle_event

    def handle_received(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        """Inbound mail (``notificationType: Received``): handed to ``django_ses.inbound``."""
        received.deliver(notification, message, self.prefetched_mail)

    def handle_unknown_event_type(
        self, notification: Mapping[str, Any], message: dict[str, Any]
    ) -> None:
        logger.warning(
            "Ignored an SES record of unknown event type %s (MessageId=%s, TopicArn=%s)",
            loggable(ses_event_type(message)),
            loggable(notification.get("MessageId")),
            loggable(notification.get("TopicArn")),
        )
