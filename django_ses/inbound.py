"""Inbound mail through SES receipt rules (SNS and S3 actions).

The webhook calls :func:`dispatch_received` for every SES ``Received``
notification, inside its idempotent transaction. The handler selected by
``AWS_SES_INBOUND_HANDLER`` (default :class:`DefaultHandler`) gets the raw
message (from the notification, or from S3), parses it and processes it; the
default processing sends :data:`django_ses.signals.inbound_received`.

Failures are never silent:

* a failure that may pass (an S3 error worth retrying, the database being down,
  a handler or signal receiver raising) raises :class:`InboundTransientError`,
  the webhook answers 5xx and SNS delivers the notification again;
* a permanent failure (:class:`UnprocessableError`: the object is missing,
  access is denied, the message is over the size cap, the content can't be
  decoded…) is stored as a :class:`~django_ses.models.FailedInboundEmail` with
  the raw message when there is one, logged at ERROR, and acknowledged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from email.message import EmailMessage
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction
from django.utils.module_loading import import_string

from django_ses import inbound_s3, signals
from django_ses.conf import get_setting
from django_ses.inbound_parsing import (
    InboundAttachment,
    InboundEmail,
    inbound_email_from_message,
    parse_raw_message,
)

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_HANDLER",
    "BaseHandler",
    "DefaultHandler",
    "InboundAttachment",
    "InboundEmail",
    "InboundTransientError",
    "S3Handler",
    "SnsHandler",
    "UnprocessableError",
    "decode_sns_content",
    "dispatch_received",
    "get_handler_class",
]

DEFAULT_HANDLER = "django_ses.inbound.DefaultHandler"
SETUP_NOTIFICATION_ID = "AMAZON_SES_SETUP_NOTIFICATION"


class InboundTransientError(Exception):
    """Handling failed for a reason that may pass: the webhook answers 5xx so SNS retries."""


class UnprocessableError(Exception):
    """The message can never be handled: it is stored as a ``FailedInboundEmail``.

    Handlers raise it (django-ses's name is kept) with a reason a person can act
    on; ``raw_message`` is whatever raw content could be read, kept for them.
    """

    def __init__(self, reason: str = "", *, raw_message: bytes | None = None) -> None:
        super().__init__(reason)
        self.raw_message = raw_message


# -- handlers ------------------------------------------------------------------------


class BaseHandler:
    """Handles one received message: ``check_action_compatibility`` → ``prepare_content``
    → ``parse_email`` → ``process``, all run by ``handle``.

    Attributes: ``mail_obj`` and ``receipt`` (from the notification), ``action``
    (``receipt["action"]``), ``raw_message`` (the notification as JSON bytes, as
    in django-ses), and, once ``handle`` has run, ``content`` (the raw MIME
    bytes), ``message`` (a stdlib :class:`~email.message.EmailMessage`) and
    ``email`` (what ``parse_email`` returned). ``sns_message_id`` and
    ``topic_arn`` say which SNS notification brought it.

    Raise :class:`UnprocessableError` for a message that can never be handled
    (it is stored for a person to look at); any other exception makes SNS
    deliver the notification again later.
    """

    def __init__(
        self,
        mail_obj: dict[str, Any],
        receipt: dict[str, Any],
        raw_message: bytes = b"",
    ) -> None:
        self.mail_obj = mail_obj
        self.receipt = receipt
        self.raw_message = raw_message
        action = receipt.get("action") if isinstance(receipt, dict) else None
        self.action: dict[str, Any] = action if isinstance(action, dict) else {}
        self.content: bytes | None = None
        self.message: EmailMessage | None = None
        self.email: InboundEmail | None = None
        self.sns_message_id = ""
        self.topic_arn = ""

    @property
    def action_type(self) -> str:
        return str(self.action.get("type") or "")

    def check_action_compatibility(self) -> None:
        """Raise :class:`UnprocessableError` when this handler can't read the action."""
        if self.action_type not in ("SNS", "S3"):
            raise UnprocessableError(
                f"The receipt rule action {self.action_type or '(none)'!r} does not deliver "
                "the message: use an SNS action or an S3 action with an SNS topic."
            )

    def prepare_content(self, content: Any) -> bytes:
        """Return the raw MIME bytes: decoded from the notification, or read from S3."""
        if self.action_type == "S3":
            return self.fetch_from_s3()
        return decode_sns_content(content, self.action.get("encoding"))

    def parse_email(self, content: bytes) -> InboundEmail:
        """Map the raw message to an :class:`~django_ses.inbound_parsing.InboundEmail`."""
        if content is self.content and self.message is not None:
            message = self.message  # handle() parsed it already
        else:
            message = parse_raw_message(content)
        email = inbound_email_from_message(message)
        # Fill what the MIME headers lacked from SES's parsed copy of them.
        common = self.mail_obj.get("commonHeaders") or {}
        if not email["subject"] and isinstance(common.get("subject"), str):
            email["subject"] = common["subject"]
        if not email["to"] and isinstance(common.get("to"), list):
            email["to"] = [str(address) for address in common["to"]]
        if not email["message_id"] and isinstance(common.get("messageId"), str):
            email["message_id"] = common["messageId"]
        if not email["date"] and isinstance(common.get("date"), str):
            email["date"] = common["date"]
        return email

    def process(self) -> None:
        """Send :data:`django_ses.signals.inbound_received` (``sender`` is the handler class)."""
        signals.inbound_received.send(
            sender=type(self),
            mail_obj=self.mail_obj,
            receipt_obj=self.receipt,
            message=self.message,
            raw_message=self.content,
            email=self.email,
        )

    def handle(self, content: Any = None, *args: Any, **kwargs: Any) -> None:
        self.check_action_compatibility()
        prepared: bytes | str = self.prepare_content(content)
        raw = _as_bytes(prepared) if isinstance(prepared, str) else prepared
        self.content = raw
        self.message = parse_raw_message(raw)
        self.email = self.parse_email(raw)
        self.process()

    def fetch_from_s3(self) -> bytes:
        """Read the message named by an S3 action, within the allow-list and size cap."""
        bucket = str(self.action.get("bucketName") or "")
        key = str(self.action.get("objectKey") or "")
        if not bucket or not key:
            raise UnprocessableError("The S3 action names no bucketName or objectKey.")
        allowed = inbound_s3.allowed_buckets()
        if allowed is not None and bucket not in allowed:
            raise UnprocessableError(
                f"The receipt names bucket {bucket!r}, which is not in "
                f"AWS_SES_INBOUND_S3_BUCKETS ({', '.join(sorted(allowed)) or 'empty'}); "
                "it was not read."
            )
        topic_arn = str(self.action.get("topicArn") or self.topic_arn)
        client = inbound_s3.create_s3_client(inbound_s3.bucket_region(bucket, topic_arn))
        try:
            return inbound_s3.fetch_message(
                client, bucket, key, max_bytes=inbound_s3.max_message_size()
            )
        except inbound_s3.S3PermanentError as exc:
            raise UnprocessableError(str(exc)) from exc
        except inbound_s3.S3TransientError as exc:
            raise InboundTransientError(str(exc)) from exc


class SnsHandler(BaseHandler):
    """Reads the message from an SNS action's notification (``BASE64`` or ``UTF8``)."""

    def check_action_compatibility(self) -> None:
        encoding = self.action.get("encoding")
        if self.action_type != "SNS":
            raise UnprocessableError(
                f"SnsHandler got a {self.action_type or '(none)'!r} action; it handles SNS "
                "actions only (use DefaultHandler for both)."
            )
        if _normalize_encoding(encoding) not in ("UTF8", "BASE64"):
            raise UnprocessableError(f"Unknown SNS action encoding {encoding!r}.")

    def prepare_content(self, content: Any) -> bytes:
        return decode_sns_content(content, self.action.get("encoding"))


class S3Handler(BaseHandler):
    """Reads the message that an S3 action stored in a bucket."""

    def check_action_compatibility(self) -> None:
        if self.action_type != "S3":
            raise UnprocessableError(
                f"S3Handler got a {self.action_type or '(none)'!r} action; it handles S3 "
                "actions only (use DefaultHandler for both)."
            )

    def prepare_content(self, content: Any) -> bytes:
        return self.fetch_from_s3()


class DefaultHandler(BaseHandler):
    """The default: reads SNS and S3 actions and sends ``inbound_received``."""


# django-ses's default setting named this, but never defined it.
raw_handler = DefaultHandler


def decode_sns_content(content: Any, encoding: Any) -> bytes:
    """The raw message from an SNS action's ``content`` (``BASE64``, or ``UTF8`` by default)."""
    if not isinstance(content, str):
        raise UnprocessableError(
            "The SNS action notification has no content (is the message over the SNS "
            "action's 150 KB limit? Use an S3 action for large mail)."
        )
    normalized = _normalize_encoding(encoding)
    if normalized == "BASE64":
        try:
            return base64.b64decode("".join(content.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UnprocessableError(
                f"The SNS action content is not valid base64: {exc}",
                raw_message=content.encode("utf-8", "replace"),
            ) from exc
    if normalized == "UTF8":
        try:
            return content.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UnprocessableError(
                f"The SNS action content is not valid UTF-8 text: {exc}",
                raw_message=content.encode("utf-8", "surrogatepass"),
            ) from exc
    raise UnprocessableError(
        f"Unknown SNS action encoding {encoding!r}.",
        raw_message=content.encode("utf-8", "replace"),
    )


def _normalize_encoding(encoding: Any) -> str:
    """``"BASE64"`` or ``"UTF8"`` (the default) for SES's spellings; anything else as given."""
    spelled = str(encoding or "UTF8").upper().replace("-", "")
    return spelled if spelled in ("BASE64", "UTF8") else str(encoding)


def _as_bytes(text: str) -> bytes:
    """Text from a subclass's ``prepare_content``, as UTF-8 (surrogate escapes restored)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def get_handler_class() -> type[BaseHandler]:
    """The class ``AWS_SES_INBOUND_HANDLER`` names (a dotted path or a class)."""
    setting = get_setting("AWS_SES_INBOUND_HANDLER") or DEFAULT_HANDLER
    if isinstance(setting, str):
        try:
            handler = import_string(setting)
        except Exception as exc:  # ImportError, or the module failing to import
            raise ImproperlyConfigured(
                f"AWS_SES_INBOUND_HANDLER = {setting!r} can't be imported: {exc}"
            ) from exc
    else:
        handler = setting
    if not isinstance(handler, type) or not callable(getattr(handler, "handle", None)):
        raise ImproperlyConfigured(
            f"AWS_SES_INBOUND_HANDLER = {setting!r} is not a handler class: subclass "
            "django_ses.inbound.DefaultHandler, SnsHandler or S3Handler."
        )
    return handler


# -- the webhook's entry point ---------------------------------------------------------


def dispatch_received(message: dict[str, Any], *, sns_message_id: str, topic_arn: str) -> None:
    """Handle one SES ``Received`` notification (the parsed SNS ``Message``).

    Returns when the mail was handled, or when a permanent failure was stored;
    raises :class:`InboundTransientError` when SNS should deliver it again.
    """
    mail_obj = message.get("mail")
    receipt = message.get("receipt")
    if not isinstance(mail_obj, dict) or not isinstance(receipt, dict):
        _record_failure(
            "The Received notification has no mail or receipt object.",
            message,
            sns_message_id=sns_message_id,
        )
        return
    if mail_obj.get("messageId") == SETUP_NOTIFICATION_ID:
        logger.info("SES receipt rule setup notification from %s acknowledged.", topic_arn)
        return

    try:
        handler_class = get_handler_class()
    except ImproperlyConfigured as exc:
        logger.error("Inbound mail %s not handled: %s", mail_obj.get("messageId"), exc)
        raise InboundTransientError(str(exc)) from exc

    handler: BaseHandler | None = None
    try:
        handler = handler_class(
            mail_obj=mail_obj,
            receipt=receipt,
            raw_message=json.dumps(message).encode("utf-8"),
        )
        handler.sns_message_id = sns_message_id
        handler.topic_arn = topic_arn
        # A savepoint: a handler that fails leaves no half-done writes behind.
        with transaction.atomic():
            handler.handle(content=message.get("content"))
    except UnprocessableError as exc:
        raw = exc.raw_message
        if raw is None and handler is not None:
            raw = handler.content
        reason = str(exc) or f"{handler_class.__qualname__} raised {type(exc).__name__}"
        _record_failure(reason, message, sns_message_id=sns_message_id, raw_message=raw)
    except InboundTransientError as exc:
        _log_retry(mail_obj, str(exc))
        raise
    except DatabaseError as exc:
        _log_retry(mail_obj, f"database error: {exc}")
        raise InboundTransientError(f"Database error while handling inbound mail: {exc}") from exc
    except Exception as exc:
        reason = f"{handler_class.__qualname__} raised {type(exc).__name__}: {exc}"
        _log_retry(mail_obj, reason)
        raise InboundTransientError(reason) from exc


def _log_retry(mail_obj: dict[str, Any], reason: str) -> None:
    # The webhook logs the traceback (this error's cause) when it answers 5xx.
    logger.warning("Inbound mail %s will be retried by SNS: %s", mail_obj.get("messageId"), reason)


def _record_failure(
    reason: str,
    notification: dict[str, Any],
    *,
    sns_message_id: str,
    raw_message: bytes | None = None,
) -> None:
    """Store a permanent failure so a person can find the mail, and log it at ERROR."""
    from django_ses.models import FailedInboundEmail

    mail_obj = notification.get("mail")
    receipt = notification.get("receipt")
    action = receipt.get("action") if isinstance(receipt, dict) else None
    action = action if isinstance(action, dict) else {}
    ses_message_id = str(mail_obj.get("messageId") or "") if isinstance(mail_obj, dict) else ""
    try:
        with transaction.atomic():
            failure = FailedInboundEmail.objects.create(
                sns_message_id=sns_message_id[:128],
                ses_message_id=ses_message_id[:255],
                action_type=str(action.get("type") or "")[:20],
                bucket_name=str(action.get("bucketName") or "")[:255],
                object_key=str(action.get("objectKey") or "")[:1024],
                reason=reason,
                raw_message=raw_message,
                notification=_storable_json(notification),
            )
    except DatabaseError as exc:
        raise InboundTransientError(
            f"Inbound mail {ses_message_id} failed ({reason}) and could not be stored: {exc}"
        ) from exc
    logger.error(
        "Inbound mail %s could not be handled and was stored as FailedInboundEmail %s: %s",
        ses_message_id or sns_message_id,
        failure.pk,
        reason,
    )


def _storable_json(value: dict[str, Any]) -> Any:
    """``value`` without what PostgreSQL's jsonb refuses (NUL characters, lone surrogates)."""
    text = json.dumps(value, ensure_ascii=False).replace("\\u0000", "\ufffd")
    return json.loads(text.encode("utf-8", "replace").decode("utf-8"))
