"""The SNS webhook view: SES events (and inbound mail) delivered by Amazon SNS over HTTPS.

The view only does HTTP: it runs the request through the pipeline and turns
the outcome into a status code (SNS treats 200-499 as delivered and retries 5xx):

* 200: processed, a duplicate of a processed message, or deliberately ignored;
* 400: malformed, forged, stale or not allowed (as in django-ses); 401: basic auth
  missing; 403: wrong basic-auth credentials;
  405: not a POST;
* 5xx: a transient failure (certificate fetch, database, a signal receiver
  raising, inbound storage): nothing was committed, SNS delivers again.

The pipeline: :mod:`~django_ses.webhook.guards` → the signature
(:mod:`django_ses.sns.signature`) → the envelope's ``Message`` parsed →
:mod:`~django_ses.webhook.ledger` (each ``MessageId`` once) →
:mod:`~django_ses.webhook.dispatch` (the ``handle_*`` hooks of
:mod:`~django_ses.webhook.hooks`) → signals; or, in tasks mode,
:mod:`~django_ses.webhook.queueing`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from django_ses import utils
from django_ses.events import event_kind_for, ses_event_type
from django_ses.exceptions import (
    MalformedSNSMessage,
    NestedTooDeeply,
    SubscriptionConfirmationError,
    WebhookRefusal,
)
from django_ses.inbound import InboundTransientError
from django_ses.sns.envelope import load_json_object
from django_ses.webhook import dispatch, guards, hooks, ledger, queueing, received, worker
from django_ses.webhook.config import event_processing_mode
from django_ses.webhook.hooks import EventHandler, EventHooks
from django_ses.webhook.sanitize import loggable

logger = logging.getLogger(__name__)

__all__ = ["ALREADY_PROCESSED", "IGNORED", "SESEventWebhookView"]

#: The 200 answers that say a notification was not processed now (the SQS consumer reads them).
ALREADY_PROCESSED = "OK: already processed\n"
IGNORED = "Ignored: not an SES record\n"


def _plain(status: int, text: str) -> HttpResponse:
    # Bytes, with the charset in the content type: nothing for the response to work out.
    return HttpResponse(text.encode(), status=status, content_type="text/plain; charset=utf-8")


def _nothing(using: str) -> None:
    """What the default hook does when no receiver listens and nothing is logged."""


def _ids(notification: Mapping[str, Any]) -> tuple[str, str]:
    return loggable(notification.get("MessageId", "")), loggable(notification.get("TopicArn", ""))


class SESEventWebhookView(EventHooks, View):
    """Receives SES events (and inbound mail) from Amazon SNS.

    Every ``handle_*`` method can be overridden (see :class:`EventHooks`); the
    default implementations fire the django-ses signal of the kind and
    ``event_received``, with :meth:`get_signal_sender` as ``sender``.
    """

    http_method_names = ["post"]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        """The view function: CSRF-exempt, no login required, outside ``ATOMIC_REQUESTS``.

        Decorated once here rather than with ``method_decorator`` on
        ``dispatch``, which rebuilds a bound method for every decorator on every request.
        """
        view = super().as_view(**initkwargs)
        decorated: Callable[..., HttpResponseBase] = csrf_exempt(
            login_not_required(transaction.non_atomic_requests(view))
        )
        return decorated

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        notification: Mapping[str, Any] = {}
        try:
            guards.check_basic_auth(request)
            notification = guards.parse_notification(guards.read_body(request))
            guards.check_notification(request, notification)
            guards.check_signature(notification, self.verify_event_message)
            return self.process(notification)
        except WebhookRefusal as refusal:
            return self._refuse(refusal, notification)
        except Exception:
            # A misconfiguration or a bug: still no traceback in the response.
            logger.exception(
                "SNS message not processed, SNS will retry: unexpected error "
                "(MessageId=%s, TopicArn=%s)",
                *_ids(notification),
            )
            return _plain(500, "the message could not be processed\n")

    def _refuse(self, refusal: WebhookRefusal, notification: Mapping[str, Any]) -> HttpResponse:
        if refusal.status >= 500:
            log = logger.error
        elif refusal.status == 401:
            log = logger.info  # SNS asks without credentials first, every time
        else:
            log = logger.warning
        log(
            "SNS message refused with HTTP %s: %s (MessageId=%s, TopicArn=%s)",
            refusal.status,
            refusal.reason,
            *_ids(notification),
        )
        response = _plain(refusal.status, f"{refusal.reason}\n")
        if refusal.challenge:
            response["WWW-Authenticate"] = 'Basic realm="django_ses", charset="UTF-8"'
        return response

    def verify_event_message(self, notification: Mapping[str, Any]) -> bool:
        """Whether the message is authentic; looks up ``django_ses.utils.verify_event_message``."""
        return bool(utils.verify_event_message(notification))

    def get_signal_sender(self) -> Any:
        """The ``sender`` of every event signal: :class:`SESEventWebhookView`."""
        return SESEventWebhookView

    # -- processing --------------------------------------------------------------------
    def process(self, notification: Mapping[str, Any]) -> HttpResponse:
        """Handle a verified message; any exception becomes a 5xx."""
        try:
            message_type = notification["Type"]
            if message_type == "Notification":
                return self.handle_notification(notification)
            getattr(self, dispatch.sns_type_hook(message_type))(notification)
            return _plain(200, "OK\n")
        except WebhookRefusal:
            raise
        except (SubscriptionConfirmationError, DatabaseError) as exc:
            logger.error(
                "SNS message not processed, SNS will retry: %s (MessageId=%s, TopicArn=%s)",
                loggable(str(exc) or type(exc).__name__),
                *_ids(notification),
                exc_info=isinstance(exc, DatabaseError),
            )
            raise WebhookRefusal(503, "temporarily unable to process the message") from None
        except Exception as exc:
            transient = isinstance(exc, InboundTransientError)
            logger.exception(
                "SNS message not processed, SNS will retry: %s (MessageId=%s, TopicArn=%s)",
                "inbound mail could not be handled now" if transient else "a handler raised",
                *_ids(notification),
            )
            if transient:
                raise WebhookRefusal(503, "temporarily unable to process the message") from None
            raise WebhookRefusal(500, "the message could not be processed") from None

    def handle_notification(self, notification: Mapping[str, Any]) -> HttpResponse:
        try:
            message = load_json_object(notification["Message"], what="SNS Message")
        except NestedTooDeeply as exc:
            raise WebhookRefusal(400, exc.reason) from None
        except MalformedSNSMessage as exc:
            logger.warning(
                "Ignored an SNS notification that is not an SES record: %s "
                "(MessageId=%s, TopicArn=%s)",
                exc.reason,
                *_ids(notification),
            )
            return _plain(200, IGNORED)
        if self.processes_in_task(message):
            done = self.queue_once(notification, message)
        else:
            if dispatch.event_hook(message) == dispatch.RECEIVED_HOOK:
                self.prefetched_mail = received.before_transaction(notification, message)
            done = self.process_once(notification, message, self.get_event_handler(message))
        if not done:
            logger.info(
                "Ignored a redelivered SNS notification (MessageId=%s, TopicArn=%s)",
                *_ids(notification),
            )
            return _plain(200, ALREADY_PROCESSED)
        return _plain(200, "OK\n")

    def process_once(
        self, notification: Mapping[str, Any], message: dict[str, Any], handler: EventHandler
    ) -> bool:
        """Run ``handler`` unless this ``MessageId`` was processed; ``False`` if it was.

        The record is inserted first, inside the transaction the handler runs in:
        it is committed only together with a successful run.
        """
        record = ledger.notification_record(notification, message)
        if not self.dispatches_nothing(message, handler):
            return ledger.record_once(record, lambda using: handler(notification, message))
        if not hooks.logger.isEnabledFor(logging.INFO):
            # The default hook would build the event, log nothing and fire signals that
            # no receiver hears (normalising a record of a known kind never raises).
            return ledger.record_once(record, _nothing, in_transaction=False)
        return ledger.record_once(
            record, lambda using: handler(notification, message), in_transaction=False
        )

    def dispatches_nothing(self, message: Mapping[str, Any], handler: EventHandler) -> bool:
        """Whether ``handler`` is the default hook and no receiver listens to its signals.

        Then there is nothing a crash could leave half done, and the ledger's
        row needs no transaction around the (empty) dispatch. An overridden
        hook or ``fire_event_signals`` may do anything: it always gets one.
        """
        default = (
            getattr(handler, "__func__", None) is EventHooks.handle_event
            and type(self).fire_event_signals is EventHooks.fire_event_signals
        )
        return default and not dispatch.is_heard(message)

    def processes_in_task(self, message: Mapping[str, Any]) -> bool:
        """Whether ``message`` goes to the ``process_ses_event`` task.

        Only in tasks mode, and only SES events of a known kind: inbound mail
        and unknown types are handled in the request.
        """
        return event_processing_mode() == "tasks" and (
            event_kind_for(ses_event_type(message)) is not None
        )

    def queue_once(self, notification: Mapping[str, Any], message: dict[str, Any]) -> bool:
        """Record the notification ``queued`` and enqueue its task; ``False`` if known."""
        raw_message = self.raw_body().decode("utf-8", errors="replace")
        view_path = f"{type(self).__module__}.{type(self).__qualname__}"
        record = ledger.notification_record(notification, message)
        return queueing.queue_once(notification, record, raw_message, view_path)

    def process_queued(self, notification: Mapping[str, Any]) -> dict[str, Any]:
        """Process a notification that :meth:`queue_once` queued (the task's work)."""
        return worker.process_queued(self, notification)
