"""The SNS webhook: SES events (and inbound mail) delivered by Amazon SNS over HTTPS.

Anyone can POST to this URL, so every request is hostile until it passed, in
this order: the optional basic auth, the body size and JSON shape, the SNS
envelope, the topic allow-list, the freshness window and the SNS signature.

Status codes (SNS treats 200-499 as delivered and retries 5xx):

* 200: processed, a duplicate of a processed message, or deliberately ignored;
* 400: malformed; 401: basic auth missing; 403: forged, stale or not allowed;
  405: not a POST;
* 5xx: a transient failure (certificate fetch, database, a signal receiver
  raising, inbound storage): nothing was committed, SNS delivers again.

A ``Notification`` is processed at most once per SNS ``MessageId``: inside one
database transaction the :class:`~django_ses.models.SNSNotification` row is
inserted first (its unique ``sns_message_id`` makes a concurrent duplicate
wait, then fail), the handlers and signals run, and the transaction commits.
Any failure rolls the row back, so SNS's retry is processed again.

With ``AWS_SES_EVENT_PROCESSING = "tasks"`` an SES event (of a kind
:mod:`django_ses.events` knows) is not processed in the request: the row is
inserted with status ``queued`` and the ``django_ses.tasks.process_ses_event``
task is enqueued, and the webhook answers 200. The task runs the same
``handle_*`` method the request would have run and marks the row
``processed`` (or ``failed``, with the error). The task is enqueued when the
row's transaction commits (``transaction.on_commit``), so a worker never runs
before the row is visible and a rolled-back row never has a task; when the
task backend stores its tasks in the same database (django-tasks-db), it is
enqueued inside the transaction instead, so the row and the task commit
together. Inbound mail (``Received``) is always processed in the request: its
pipeline answers 5xx on a transient failure so that SNS delivers it again.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import logging
import traceback
import warnings
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from django_ses import sns_verification
from django_ses.conf import get_setting
from django_ses.events import (
    SESEvent,
    event_kind_for,
    normalize_event,
    parse_aws_timestamp,
    send_event_signals,
    ses_event_type,
)
from django_ses.sns_verification import (
    MAX_BODY_BYTES,
    CertificateFetchError,
    MalformedSNSMessage,
    VerificationUnavailable,
    check_envelope,
    load_json_object,
    topic_region,
)

logger = logging.getLogger("django_ses.webhook")

__all__ = [
    "EVENT_PROCESSING_MODES",
    "SESEventWebhookView",
    "SubscriptionConfirmationError",
    "allowed_topic_arns",
    "confirm_sns_subscription",
    "event_processing_mode",
    "handle_bounce",
    "process_again",
    "process_queued_event",
]

#: The values of ``AWS_SES_EVENT_PROCESSING``.
EVENT_PROCESSING_MODES = ("inline", "tasks")

# Task backends that store tasks with the ORM, and their task model: when that
# model is written to the database the SNSNotification rows are, the task is
# enqueued inside the row's transaction.
_DATABASE_TASK_BACKENDS = (
    ("django_tasks_db", "django_tasks_db.models.DBTaskResult"),
    ("django_tasks.backends.database", "django_tasks.backends.database.models.DBTaskResult"),
)

# The longest error kept on a failed SNSNotification.
_MAX_ERROR_CHARS = 20_000

# Headers SNS sends along, and the body keys they repeat.
_SNS_HEADERS = (
    ("x-amz-sns-message-type", "Type"),
    ("x-amz-sns-message-id", "MessageId"),
    ("x-amz-sns-topic-arn", "TopicArn"),
)

# A Timestamp this far in the future is refused when AWS_SES_SNS_MAX_AGE is set.
_CLOCK_SKEW = dt.timedelta(minutes=5)


class SubscriptionConfirmationError(Exception):
    """SNS ``ConfirmSubscription`` failed; the webhook answers 503 so SNS retries."""


class _Rejection(Exception):
    """A request the webhook refuses: ``status`` and a reason that is safe to log."""

    def __init__(self, status: int, reason: str, *, challenge: bool = False) -> None:
        self.status = status
        self.reason = reason
        self.challenge = challenge
        super().__init__(reason)


def _loggable(value: object, limit: int = 300) -> str:
    """``value`` made safe for a log line: printable and truncated."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return text


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def allowed_topic_arns() -> frozenset[str] | None:
    """The topic allow-list, or ``None`` when none is configured.

    ``AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS`` (django-ses 4.8's name), else its alias
    ``AWS_SES_ALLOWED_TOPIC_ARNS``; a string is one ARN. A value of the wrong
    type allows no topic at all (and system check E030 reports it).
    """
    value = get_setting(
        "AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS", fallbacks=("AWS_SES_ALLOWED_TOPIC_ARNS",)
    )
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)):
        return frozenset()  # misconfigured (system check E030): refuse every topic
    arns = frozenset(item.strip() for item in items if isinstance(item, str) and item.strip())
    return arns or None


def verification_enabled() -> bool:
    return bool(
        get_setting(
            "AWS_SES_VERIFY_EVENT_SIGNATURES", True, fallbacks=("AWS_SES_VERIFY_BOUNCE_SIGNATURES",)
        )
    )


def confirm_sns_subscription(topic_arn: str, token: str) -> str:
    """Confirm a subscription with SNS ``ConfirmSubscription``, in the topic's region.

    Uses the backend's credential settings (``AWS_SES_ACCESS_KEY_ID`` /
    ``AWS_ACCESS_KEY_ID``, the matching secret, session token and profile)
    when set, else boto3's default credential chain. Unsubscribing then needs AWS authentication
    (``AuthenticateOnUnsubscribe``). Returns the subscription ARN; raises
    :class:`SubscriptionConfirmationError`.
    """
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from django_ses import transport

    config = Config(
        connect_timeout=5, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}
    )
    try:
        client = transport.shared_client(
            transport.settings_for_service("sns", topic_region(topic_arn), config=config)
        )
        response = client.confirm_subscription(
            TopicArn=topic_arn, Token=token, AuthenticateOnUnsubscribe="true"
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "unknown")
        raise SubscriptionConfirmationError(f"ConfirmSubscription failed: {code}") from exc
    except BotoCoreError as exc:
        raise SubscriptionConfirmationError(
            f"ConfirmSubscription failed: {type(exc).__name__}"
        ) from exc
    return str(response.get("SubscriptionArn", ""))


def event_processing_mode() -> str:
    """``AWS_SES_EVENT_PROCESSING``: ``"inline"`` (the default) or ``"tasks"``.

    Any other value processes events inline (and system check E036 reports it).
    """
    value = get_setting("AWS_SES_EVENT_PROCESSING", "inline")
    return value if value in EVENT_PROCESSING_MODES else "inline"


def _inbound_transient_error() -> type[Exception]:
    from django_ses.inbound import InboundTransientError

    return InboundTransientError


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class SESEventWebhookView(View):
    """Receives SES events (and inbound mail) from Amazon SNS.

    Every ``handle_*`` method can be overridden. ``handle_<kind>(notification,
    message)`` gets the parsed SNS envelope and the parsed SES record; the
    default implementations fire the django-ses signal of the kind and
    ``event_received``, with :meth:`get_signal_sender` as ``sender``.
    """

    http_method_names = ["post"]

    #: Set in the ``process_ses_event`` task: the body the notification came in.
    queued_raw_body: bytes | None = None

    # -- the request -------------------------------------------------------------------
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        notification: Mapping[str, Any] = {}
        try:
            self.check_basic_auth(request)
            body = self.read_body(request)
            try:
                notification = load_json_object(body)
                check_envelope(notification)
            except MalformedSNSMessage as exc:
                raise _Rejection(400, exc.reason) from None
            self.check_sns_headers(request, notification)
            self.check_topic(notification)
            self.check_freshness(notification)
            self.check_signature(notification)
            return self.process(notification)
        except _Rejection as rejection:
            return self._reject(rejection, notification)
        except Exception:
            # A misconfiguration or a bug: still no traceback in the response.
            logger.exception(
                "SNS message not processed, SNS will retry: unexpected error "
                "(MessageId=%s, TopicArn=%s)",
                _loggable(notification.get("MessageId", "")),
                _loggable(notification.get("TopicArn", "")),
            )
            return _plain(500, "the message could not be processed\n")

    def _reject(self, rejection: _Rejection, notification: Mapping[str, Any]) -> HttpResponse:
        if rejection.status >= 500:
            log = logger.error
        elif rejection.status == 401:
            log = logger.info  # SNS asks without credentials first, every time
        else:
            log = logger.warning
        log(
            "SNS message refused with HTTP %s: %s (MessageId=%s, TopicArn=%s)",
            rejection.status,
            rejection.reason,
            _loggable(notification.get("MessageId", "")),
            _loggable(notification.get("TopicArn", "")),
        )
        response = _plain(rejection.status, f"{rejection.reason}\n")
        if rejection.challenge:
            response["WWW-Authenticate"] = 'Basic realm="django_ses", charset="UTF-8"'
        return response

    def check_basic_auth(self, request: HttpRequest) -> None:
        """Enforce ``AWS_SES_WEBHOOK_SECRET = "user:password"`` when it is set."""
        secret = get_setting("AWS_SES_WEBHOOK_SECRET")
        if not secret:
            return
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "basic" or not credentials.strip():
            raise _Rejection(401, "basic authentication is required", challenge=True)
        try:
            given = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise _Rejection(403, "basic authentication credentials are malformed") from None
        if not hmac.compare_digest(given, str(secret).encode("utf-8")):
            raise _Rejection(403, "basic authentication credentials are wrong")

    def read_body(self, request: HttpRequest) -> bytes:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            raise _Rejection(400, "Content-Length is not a number") from None
        if length > MAX_BODY_BYTES:
            raise _Rejection(400, "the body is larger than allowed")
        try:
            body = request.body
        except RawPostDataException:
            raise _Rejection(400, "the body was already consumed") from None
        except Exception as exc:  # RequestDataTooBig and similar
            raise _Rejection(400, f"the body could not be read: {type(exc).__name__}") from None
        if len(body) > MAX_BODY_BYTES:
            raise _Rejection(400, "the body is larger than allowed")
        if not body:
            raise _Rejection(400, "the body is empty")
        return body

    def check_sns_headers(self, request: HttpRequest, notification: Mapping[str, Any]) -> None:
        """SNS's ``x-amz-sns-*`` headers, when present, must agree with the body."""
        for header, key in _SNS_HEADERS:
            value = request.headers.get(header)
            if value is not None and value != notification[key]:
                raise _Rejection(400, f"the {header} header does not match the message {key}")

    def check_topic(self, notification: Mapping[str, Any]) -> None:
        allowed = allowed_topic_arns()
        if allowed is not None and notification["TopicArn"] not in allowed:
            raise _Rejection(403, "the topic is not in the allowed topic ARNs")

    def check_freshness(self, notification: Mapping[str, Any]) -> None:
        max_age = get_setting("AWS_SES_SNS_MAX_AGE")
        if max_age is None:
            return
        sent = parse_aws_timestamp(notification.get("Timestamp"))
        if sent is None:
            raise _Rejection(400, "'Timestamp' is not an ISO 8601 timestamp")
        now = dt.datetime.now(dt.timezone.utc)
        if now - sent > dt.timedelta(seconds=float(max_age)):
            raise _Rejection(403, "the message is older than AWS_SES_SNS_MAX_AGE")
        if sent - now > _CLOCK_SKEW:
            raise _Rejection(403, "the message Timestamp is in the future")

    def check_signature(self, notification: Mapping[str, Any]) -> None:
        if not verification_enabled():
            return
        try:
            verified = self.verify_event_message(notification)
        except MalformedSNSMessage as exc:
            raise _Rejection(400, exc.reason) from None
        except CertificateFetchError as exc:
            raise _Rejection(503, exc.reason) from None
        except VerificationUnavailable as exc:
            raise _Rejection(500, exc.reason) from None
        if not verified:
            raise _Rejection(403, "the SNS signature could not be verified")

    def verify_event_message(self, notification: Mapping[str, Any]) -> bool:
        """Whether the message is authentic; looks up ``django_ses.utils.verify_event_message``."""
        from django_ses import utils

        return bool(utils.verify_event_message(notification))

    # -- processing --------------------------------------------------------------------
    def process(self, notification: Mapping[str, Any]) -> HttpResponse:
        """Handle a verified message; any exception becomes a 5xx."""
        try:
            message_type = notification["Type"]
            if message_type == "Notification":
                return self.handle_notification(notification)
            if message_type == "SubscriptionConfirmation":
                self.handle_subscription_confirmation(notification)
            elif message_type == "UnsubscribeConfirmation":
                self.handle_unsubscribe_confirmation(notification)
            else:
                self.handle_unknown_notification_type(notification)
            return _plain(200, "OK\n")
        except _Rejection:
            raise
        except (SubscriptionConfirmationError, DatabaseError) as exc:
            logger.error(
                "SNS message not processed, SNS will retry: %s (MessageId=%s, TopicArn=%s)",
                _loggable(str(exc) or type(exc).__name__),
                _loggable(notification.get("MessageId")),
                _loggable(notification.get("TopicArn")),
                exc_info=isinstance(exc, DatabaseError),
            )
            raise _Rejection(503, "temporarily unable to process the message") from None
        except Exception as exc:
            transient = isinstance(exc, _inbound_transient_error())
            logger.exception(
                "SNS message not processed, SNS will retry: %s (MessageId=%s, TopicArn=%s)",
                "inbound mail could not be handled now" if transient else "a handler raised",
                _loggable(notification.get("MessageId")),
                _loggable(notification.get("TopicArn")),
            )
            if transient:
                raise _Rejection(503, "temporarily unable to process the message") from None
            raise _Rejection(500, "the message could not be processed") from None

    def handle_notification(self, notification: Mapping[str, Any]) -> HttpResponse:
        try:
            message = load_json_object(notification["Message"], what="SNS Message")
        except sns_verification.NestedTooDeeply as exc:
            raise _Rejection(400, exc.reason) from None
        except MalformedSNSMessage as exc:
            logger.warning(
                "Ignored an SNS notification that is not an SES record: %s "
                "(MessageId=%s, TopicArn=%s)",
                exc.reason,
                _loggable(notification["MessageId"]),
                _loggable(notification["TopicArn"]),
            )
            return _plain(200, "Ignored: not an SES record\n")
        if self.processes_in_task(message):
            done = self.queue_once(notification, message)
        else:
            done = self.process_once(notification, message, self.get_event_handler(message))
        if not done:
            logger.info(
                "Ignored a redelivered SNS notification (MessageId=%s, TopicArn=%s)",
                _loggable(notification["MessageId"]),
                _loggable(notification["TopicArn"]),
            )
            return _plain(200, "OK: already processed\n")
        return _plain(200, "OK\n")

    def get_event_handler(
        self, message: Mapping[str, Any]
    ) -> Callable[[Mapping[str, Any], dict[str, Any]], None]:
        ses_type = ses_event_type(message)
        if ses_type == "Received":
            return self.handle_received
        kind = event_kind_for(ses_type)
        if kind is None:
            return self.handle_unknown_event_type
        handler: Callable[[Mapping[str, Any], dict[str, Any]], None] = getattr(
            self, f"handle_{kind.event_type}"
        )
        return handler

    def process_once(
        self,
        notification: Mapping[str, Any],
        message: dict[str, Any],
        handler: Callable[[Mapping[str, Any], dict[str, Any]], None],
    ) -> bool:
        """Run ``handler`` unless this ``MessageId`` was processed; ``False`` if it was.

        The record is inserted first, inside the transaction the handler runs in:
        it is committed only together with a successful run.
        """
        from django_ses.models import SNSNotification

        record = _notification_record(notification, message)
        using = router.db_for_write(SNSNotification)
        with transaction.atomic(using=using):
            try:
                with transaction.atomic(using=using):
                    SNSNotification.objects.using(using).create(**record)
            except IntegrityError:
                return False
            handler(notification, message)
        return True

    def processes_in_task(self, message: Mapping[str, Any]) -> bool:
        """Whether ``message`` goes to the ``process_ses_event`` task.

        Only in tasks mode, and only SES events of a known kind: inbound mail
        and unknown types are handled in the request.
        """
        return event_processing_mode() == "tasks" and (
            event_kind_for(ses_event_type(message)) is not None
        )

    def queue_once(self, notification: Mapping[str, Any], message: dict[str, Any]) -> bool:
        """Record the notification ``queued`` and enqueue its task; ``False`` if known.

        The task is enqueued when the row commits, or inside the row's
        transaction when the task backend keeps its tasks in the same
        database, so the row and its task exist together or not at all.
        """
        from django_ses.models import SNSNotification
        from django_ses.tasks import get_event_task

        task = get_event_task()
        raw_message = self.raw_body().decode("utf-8", errors="replace")
        view_path = f"{type(self).__module__}.{type(self).__qualname__}"
        record = _notification_record(notification, message)
        record.update(
            status=SNSNotification.Status.QUEUED,
            raw_message=_storable(raw_message),
            view_path=view_path,
        )
        arguments = {"notification": dict(notification), "raw_message": raw_message}
        arguments["view"] = view_path
        using = router.db_for_write(SNSNotification)
        with transaction.atomic(using=using):
            try:
                with transaction.atomic(using=using):
                    SNSNotification.objects.using(using).create(**record)
            except IntegrityError:
                return False
            _enqueue_with_row(task, arguments, using)
        return True

    def process_queued(self, notification: Mapping[str, Any]) -> dict[str, Any]:
        """Process a notification that :meth:`queue_once` queued (the task's work).

        Runs the handler of the event, as the request does inline, and marks
        the row ``processed`` in the same transaction. A handler that raises
        rolls its writes back, marks the row ``failed`` with the error and
        re-raises. A row already ``processed`` is not processed again.
        """
        from django_ses.models import SNSNotification

        message = load_json_object(notification["Message"], what="SNS Message")
        sns_message_id = notification["MessageId"]
        using = router.db_for_write(SNSNotification)
        rows = SNSNotification.objects.using(using)
        try:
            with transaction.atomic(using=using):
                row = rows.select_for_update().filter(sns_message_id=sns_message_id).first()
                if row is None or row.status == SNSNotification.Status.PROCESSED:
                    logger.info(
                        "Queued SNS notification not processed: it is %s (MessageId=%s)",
                        "unknown" if row is None else "already processed",
                        _loggable(sns_message_id),
                    )
                    return {
                        "sns_message_id": sns_message_id,
                        "status": "missing" if row is None else "already processed",
                    }
                self.get_event_handler(message)(notification, message)
                row.status = SNSNotification.Status.PROCESSED
                row.error = ""
                row.raw_message = ""
                row.processed_at = timezone.now()
                row.save(update_fields=["status", "error", "raw_message", "processed_at"])
        except Exception as exc:
            _mark_failed(using, sns_message_id, _error_text(exc))
            raise
        return {"sns_message_id": sns_message_id, "status": "processed"}

    def get_signal_sender(self) -> Any:
        """The ``sender`` of every event signal: :class:`SESEventWebhookView`."""
        return SESEventWebhookView

    def fire_event_signals(
        self, notification: Mapping[str, Any], message: Mapping[str, Any]
    ) -> SESEvent:
        """Normalise ``message`` and fire its signal and ``event_received``."""
        event = normalize_event(
            message,
            sns_message_id=notification.get("MessageId", ""),
            topic_arn=notification.get("TopicArn", ""),
        )
        logger.info(
            "Received SES %s event for SES message %s (MessageId=%s, TopicArn=%s)",
            event.event_type,
            _loggable(event.message_id),
            _loggable(event.sns_message_id),
            _loggable(event.topic_arn),
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
        if not get_setting("AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS", True):
            logger.info(
                "SNS subscription not confirmed: AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS is off "
                "(MessageId=%s, TopicArn=%s)",
                _loggable(notification["MessageId"]),
                _loggable(topic_arn),
            )
            return
        subscription_arn = confirm_sns_subscription(topic_arn, notification["Token"])
        logger.info(
            "Confirmed SNS subscription %s (MessageId=%s, TopicArn=%s)",
            _loggable(subscription_arn),
            _loggable(notification["MessageId"]),
            _loggable(topic_arn),
        )

    def handle_unsubscribe_confirmation(self, notification: Mapping[str, Any]) -> None:
        # Never re-subscribe: the UnsubscribeURL/SubscribeURL are not fetched.
        logger.info(
            "SNS subscription was removed (MessageId=%s, TopicArn=%s)",
            _loggable(notification.get("MessageId")),
            _loggable(notification.get("TopicArn")),
        )

    def handle_unknown_notification_type(self, notification: Mapping[str, Any]) -> None:
        logger.warning(
            "Ignored an SNS message of unknown Type %s (MessageId=%s, TopicArn=%s)",
            _loggable(notification.get("Type")),
            _loggable(notification.get("MessageId")),
            _loggable(notification.get("TopicArn")),
        )

    # -- SES event types ------------------------------------------------------------------
    def handle_bounce(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        event = self.fire_event_signals(notification, message)
        if get_setting("AWS_SES_ADD_BOUNCE_TO_BLACKLIST", False):
            from django_ses.blacklist import (
                add_to_blacklist,
                get_permanent_bounced_emails_from_bounce_obj,
            )
            from django_ses.models import BlacklistedEmail

            add_to_blacklist(
                get_permanent_bounced_emails_from_bounce_obj(event.detail),
                reason=str(BlacklistedEmail.Reason.BOUNCE),
                source=_feedback_source(event),
            )

    def handle_complaint(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        event = self.fire_event_signals(notification, message)
        if get_setting("AWS_SES_ADD_COMPLAINT_TO_BLACKLIST", False):
            from django_ses.blacklist import add_to_blacklist, get_emails_from_complaint_obj
            from django_ses.models import BlacklistedEmail

            add_to_blacklist(
                get_emails_from_complaint_obj(event.detail),
                reason=str(BlacklistedEmail.Reason.COMPLAINT),
                source=_feedback_source(event),
            )

    def handle_delivery(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        self.fire_event_signals(notification, message)

    def handle_send(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        self.fire_event_signals(notification, message)

    def handle_open(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        self.fire_event_signals(notification, message)

    def handle_click(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        self.fire_event_signals(notification, message)

    def handle_reject(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        self.fire_event_signals(notification, message)

    def handle_rendering_failure(
        self, notification: Mapping[str, Any], message: dict[str, Any]
    ) -> None:
        self.fire_event_signals(notification, message)

    def handle_delivery_delay(
        self, notification: Mapping[str, Any], message: dict[str, Any]
    ) -> None:
        self.fire_event_signals(notification, message)

    def handle_subscription(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        self.fire_event_signals(notification, message)

    def handle_received(self, notification: Mapping[str, Any], message: dict[str, Any]) -> None:
        """Inbound mail (``notificationType: Received``): handed to ``django_ses.inbound``."""
        from django_ses.inbound import dispatch_received

        dispatch_received(
            message,
            sns_message_id=notification["MessageId"],
            topic_arn=notification["TopicArn"],
        )

    def handle_unknown_event_type(
        self, notification: Mapping[str, Any], message: dict[str, Any]
    ) -> None:
        logger.warning(
            "Ignored an SES record of unknown event type %s (MessageId=%s, TopicArn=%s)",
            _loggable(ses_event_type(message)),
            _loggable(notification.get("MessageId")),
            _loggable(notification.get("TopicArn")),
        )


def process_queued_event(
    notification: Mapping[str, Any], *, raw_message: str = "", view_path: str = ""
) -> dict[str, Any]:
    """The ``process_ses_event`` task's work: process one queued notification.

    ``view_path`` names the webhook view class (an :class:`SESEventWebhookView`)
    whose ``handle_*`` methods and signal sender are used, as in the request.
    """
    view_class = _webhook_view_class(view_path)
    view = view_class()
    view.queued_raw_body = raw_message.encode("utf-8")
    return view.process_queued(notification)


def _webhook_view_class(path: str) -> type[SESEventWebhookView]:
    if not path:
        return SESEventWebhookView
    try:
        found = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"The queued SES event names the webhook view {path!r}, which cannot be "
            f"imported: {error}"
        ) from error
    if not (isinstance(found, type) and issubclass(found, SESEventWebhookView)):
        raise ImproperlyConfigured(
            f"The queued SES event names {path!r}, which is not an SESEventWebhookView."
        )
    return found


def process_again(notification: Any) -> bool:
    """Queue a ``failed`` or ``queued`` :class:`~django_ses.models.SNSNotification` again.

    The admin's "Process again" action. Returns ``False`` when the row is
    neither (any more) or does not hold the message it came in.
    """
    import json

    from django_ses.models import SNSNotification
    from django_ses.tasks import get_event_task

    try:
        envelope = json.loads(notification.raw_message)
    except ValueError:
        return False
    if not isinstance(envelope, dict) or envelope.get("MessageId") != notification.sns_message_id:
        return False
    task = get_event_task()
    arguments = {
        "notification": envelope,
        "raw_message": notification.raw_message,
        "view": notification.view_path,
    }
    using = notification._state.db or router.db_for_write(SNSNotification)
    retry = {SNSNotification.Status.FAILED, SNSNotification.Status.QUEUED}
    with transaction.atomic(using=using):
        updated = (
            SNSNotification.objects.using(using)
            .filter(pk=notification.pk, status__in=retry)
            .update(status=SNSNotification.Status.QUEUED, error="")
        )
        if not updated:
            return False
        _enqueue_with_row(task, arguments, using)
    return True


def _enqueue_with_row(task: Any, arguments: dict[str, Any], using: str) -> None:
    """Enqueue ``task`` for the row written in the current transaction on ``using``.

    Inside the transaction when the task backend stores tasks in that same
    database (both commit or neither), else once the transaction committed.
    """
    if _stores_tasks_in(task, using):
        task.enqueue(**arguments)
    else:
        transaction.on_commit(partial(_enqueue_after_commit, task, arguments, using), using=using)


def _stores_tasks_in(task: Any, using: str) -> bool:
    """Whether ``task``'s backend keeps its tasks in the database alias ``using``."""
    get_backend = getattr(task, "get_backend", None)
    if get_backend is None:
        return False
    module = type(get_backend()).__module__
    for package, model_path in _DATABASE_TASK_BACKENDS:
        if module == package or module.startswith(f"{package}."):
            try:
                model = import_string(model_path)
            except ImportError:
                return False
            return bool(router.db_for_write(model) == using)
    return False


def _enqueue_after_commit(task: Any, arguments: dict[str, Any], using: str) -> None:
    """Enqueue a committed notification's task; a failure marks the row ``failed``.

    The row stays visible in the admin, whose "Process again" action enqueues it.
    """
    try:
        task.enqueue(**arguments)
    except Exception as exc:
        sns_message_id = arguments["notification"]["MessageId"]
        logger.exception(
            "SES event recorded but its task could not be enqueued; use the admin's "
            '"Process again" (MessageId=%s)',
            _loggable(sns_message_id),
        )
        _mark_failed(using, sns_message_id, f"The task could not be enqueued:\n{_error_text(exc)}")


def _error_text(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return _storable(text[-_MAX_ERROR_CHARS:])  # type: ignore[no-any-return]


def _mark_failed(using: str, sns_message_id: str, error: str) -> None:
    from django_ses.models import SNSNotification

    try:
        SNSNotification.objects.using(using).filter(sns_message_id=sns_message_id).exclude(
            status=SNSNotification.Status.PROCESSED
        ).update(status=SNSNotification.Status.FAILED, error=error)
    except DatabaseError:
        logger.exception(
            "Could not mark the SNS notification failed (MessageId=%s)", _loggable(sns_message_id)
        )


def _feedback_source(event: SESEvent) -> str:
    feedback_id = event.detail.get("feedbackId")
    return feedback_id if isinstance(feedback_id, str) and feedback_id else event.message_id


def _notification_record(
    notification: Mapping[str, Any], message: Mapping[str, Any]
) -> dict[str, Any]:
    """The :class:`~django_ses.models.SNSNotification` fields for one notification."""
    ses_type = ses_event_type(message) or ""
    mail = message.get("mail")
    mail = mail if isinstance(mail, Mapping) else {}
    ses_message_id = mail.get("messageId")
    payload = dict(message)
    recipients: list[str] = []
    if ses_type == "Received":
        payload.pop("content", None)  # the mail itself is large; inbound keeps it
        receipt = message.get("receipt")
        found = receipt.get("recipients") if isinstance(receipt, Mapping) else None
        recipients = [r for r in found if isinstance(r, str)] if isinstance(found, list) else []
    elif event_kind_for(ses_type) is not None:
        recipients = normalize_event(message).recipients
    record = {
        "sns_message_id": notification["MessageId"],
        "sns_type": notification["Type"][:40],
        "topic_arn": notification["TopicArn"][:255],
        "event_type": ses_type[:40],
        "ses_message_id": ses_message_id[:255] if isinstance(ses_message_id, str) else "",
        "recipients": recipients,
        "payload": payload,
    }
    return {key: _storable(value) for key, value in record.items()}


def _storable(value: Any) -> Any:
    """``value`` without NUL characters, which PostgreSQL text and jsonb refuse."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    return value


# -- the legacy function view ----------------------------------------------------------------

_DEPRECATED_VERIFY_BOUNCE = sns_verification.verify_bounce_message


class _LegacyBounceView(SESEventWebhookView):
    """``handle_bounce``'s behaviour: the event view, with ``handle_bounce`` as sender."""

    def get_signal_sender(self) -> Any:
        return handle_bounce

    def verify_event_message(self, notification: Mapping[str, Any]) -> bool:
        from django_ses import utils

        # Test suites written for django-ses patch utils.verify_bounce_message.
        if utils.verify_bounce_message is not _DEPRECATED_VERIFY_BOUNCE:
            return bool(utils.verify_bounce_message(notification))
        return bool(utils.verify_event_message(notification))


_legacy_bounce_view = _LegacyBounceView.as_view()


@csrf_exempt
@login_not_required
@transaction.non_atomic_requests
def handle_bounce(request: HttpRequest) -> HttpResponseBase:
    """Deprecated: route SNS to :class:`SESEventWebhookView` instead.

    Behaves as that view (verification, idempotency, every event type) and
    sends signals with ``sender=handle_bounce``. It never re-subscribes on an
    ``UnsubscribeConfirmation``.
    """
    warnings.warn(
        "django_ses.views.handle_bounce is deprecated; route SNS to SESEventWebhookView.",
        DeprecationWarning,
        stacklevel=2,
    )
    response: HttpResponseBase = _legacy_bounce_view(request)
    return response
