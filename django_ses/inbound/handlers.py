"""The inbound handlers: read one received message, parse it and process it.

:class:`BaseHandler` runs django-ses's steps (``check_action_compatibility`` →
``prepare_content`` → ``parse_email`` → ``process``), in two halves so the
webhook can read the mail before its database transaction opens: :meth:`~BaseHandler.fetch`
(decode the SNS content or download from S3; no database access) and
:meth:`~BaseHandler.handle_content` (parse, then process). :class:`SnsHandler`,
:class:`S3Handler` and the default :class:`DefaultHandler` read the two receipt
rule actions; :func:`get_handler_class` loads the one ``AWS_SES_INBOUND_HANDLER`` names.
"""

from __future__ import annotations

import base64
import binascii
from email.message import EmailMessage
from typing import Any

from django_ses import signals
from django_ses.conf import DEFAULT_INBOUND_HANDLER, get_setting
from django_ses.exceptions import (
    InboundTransientError,
    S3PermanentError,
    S3TransientError,
    UnprocessableError,
)
from django_ses.inbound.parsing import InboundEmail, inbound_email_from_message, parse_raw_message
from django_ses.inbound.s3 import (
    allowed_buckets,
    bucket_region,
    create_s3_client,
    fetch_message,
    max_message_size,
)
from django_ses.loading import import_class

__all__ = [
    "DEFAULT_HANDLER",
    "BaseHandler",
    "DefaultHandler",
    "S3Handler",
    "SnsHandler",
    "decode_sns_content",
    "get_handler_class",
    "raw_handler",
]

DEFAULT_HANDLER = DEFAULT_INBOUND_HANDLER


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
        """Map the raw message to an :class:`~django_ses.inbound.InboundEmail`."""
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
        """Read the message (:meth:`fetch`), then parse and process it (:meth:`handle_content`)."""
        self.fetch(content)
        self.handle_content()

    def fetch(self, content: Any = None) -> bytes:
        """``check_action_compatibility`` → ``prepare_content``: set and return ``self.content``.

        The first half of :meth:`handle`: no database access, so the webhook runs
        it before its transaction opens (an S3 download can take a while).
        """
        self.check_action_compatibility()
        prepared: bytes | str = self.prepare_content(content)
        raw = _as_bytes(prepared) if isinstance(prepared, str) else prepared
        self.content = raw
        return raw

    def handle_content(self) -> None:
        """``parse_email`` → ``process`` on ``self.content``: the second half of :meth:`handle`."""
        raw = self.content if self.content is not None else b""
        self.message = parse_raw_message(raw)
        self.email = self.parse_email(raw)
        self.process()

    def fetch_from_s3(self) -> bytes:
        """Read the message named by an S3 action, within the allow-list and size cap."""
        bucket = str(self.action.get("bucketName") or "")
        key = str(self.action.get("objectKey") or "")
        if not bucket or not key:
            raise UnprocessableError("The S3 action names no bucketName or objectKey.")
        allowed = allowed_buckets()
        if allowed is not None and bucket not in allowed:
            raise UnprocessableError(
                f"The receipt names bucket {bucket!r}, which is not in "
                f"AWS_SES_INBOUND_S3_BUCKETS ({', '.join(sorted(allowed)) or 'empty'}); "
                "it was not read."
            )
        topic_arn = str(self.action.get("topicArn") or self.topic_arn)
        client = create_s3_client(bucket_region(bucket, topic_arn))
        try:
            return fetch_message(client, bucket, key, max_bytes=max_message_size())
        except S3PermanentError as exc:
            raise UnprocessableError(str(exc)) from exc
        except S3TransientError as exc:
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
    """The class ``AWS_SES_INBOUND_HANDLER`` names (a dotted path or a class).

    Raises :class:`~django_ses.exceptions.ClassLoadError` (an ``ImproperlyConfigured``).
    """
    # ``None`` (as well as a blank string) means the default, as in django-ses.
    setting = get_setting("AWS_SES_INBOUND_HANDLER") or DEFAULT_HANDLER
    return import_class(
        setting,
        BaseHandler,
        named_by="AWS_SES_INBOUND_HANDLER",
        expected=(
            "a handler class: subclass django_ses.inbound.DefaultHandler, SnsHandler or S3Handler."
        ),
    )
