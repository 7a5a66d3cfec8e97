"""The webhook's guards: every check a request passes before it is processed.

Anyone can POST to the webhook, so every request is hostile until it passed,
in this order: :func:`check_basic_auth`, :func:`read_body`,
:func:`parse_notification` (JSON and SNS envelope), :data:`NOTIFICATION_GUARDS`
(the ``x-amz-sns-*`` headers, the topic allow-list, the freshness window),
then :func:`check_signature`. Each raises
:class:`~django_ses.exceptions.WebhookRefusal` with the HTTP status to answer.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest
from django.http.request import RawPostDataException

from django_ses.events import parse_aws_timestamp
from django_ses.exceptions import (
    CertificateFetchError,
    MalformedSNSMessage,
    VerificationUnavailable,
    WebhookRefusal,
)
from django_ses.sns.envelope import MAX_BODY_BYTES, check_envelope, load_json_object
from django_ses.webhook.config import (
    allowed_topic_arns,
    sns_max_age,
    verification_enabled,
    webhook_secret,
)

__all__ = [
    "NOTIFICATION_GUARDS",
    "check_basic_auth",
    "check_freshness",
    "check_notification",
    "check_signature",
    "check_sns_headers",
    "check_topic",
    "parse_notification",
    "read_body",
]

# Headers SNS sends along, and the body keys they repeat.
_SNS_HEADERS = (
    ("x-amz-sns-message-type", "Type"),
    ("x-amz-sns-message-id", "MessageId"),
    ("x-amz-sns-topic-arn", "TopicArn"),
)

_META_NAMES = {header: "HTTP_" + header.upper().replace("-", "_") for header, _ in _SNS_HEADERS}

# A Timestamp this far in the future is refused when AWS_SES_SNS_MAX_AGE is set.
_CLOCK_SKEW = dt.timedelta(minutes=5)


def check_basic_auth(request: HttpRequest) -> None:
    """Enforce ``AWS_SES_WEBHOOK_SECRET = "user:password"`` when it is set."""
    secret = webhook_secret()
    if not secret:
        return
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "basic" or not credentials.strip():
        raise WebhookRefusal(401, "basic authentication is required", challenge=True)
    try:
        given = base64.b64decode(credentials.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookRefusal(403, "basic authentication credentials are malformed") from None
    if not hmac.compare_digest(given, str(secret).encode("utf-8")):
        raise WebhookRefusal(403, "basic authentication credentials are wrong")


def read_body(request: HttpRequest) -> bytes:
    """The request body: declared and actual size at most ``MAX_BODY_BYTES``, not empty."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(declared)
    except ValueError:
        raise WebhookRefusal(400, "Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        raise WebhookRefusal(400, "the body is larger than allowed")
    try:
        body = request.body
    except RawPostDataException:
        raise WebhookRefusal(400, "the body was already consumed") from None
    except Exception as exc:  # RequestDataTooBig and similar
        raise WebhookRefusal(400, f"the body could not be read: {type(exc).__name__}") from None
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRefusal(400, "the body is larger than allowed")
    if not body:
        raise WebhookRefusal(400, "the body is empty")
    return body


def parse_notification(body: bytes) -> dict[str, Any]:
    """The SNS message in ``body``: a JSON object with a well-formed envelope."""
    try:
        notification = load_json_object(body)
        check_envelope(notification)
    except MalformedSNSMessage as exc:
        raise WebhookRefusal(400, exc.reason) from None
    return notification


def check_sns_headers(request: HttpRequest, notification: Mapping[str, Any]) -> None:
    """SNS's ``x-amz-sns-*`` headers, when present, must agree with the body."""
    meta = request.META  # request.headers would build every header's entry first
    for header, key in _SNS_HEADERS:
        value = meta.get(_META_NAMES[header])
        if value is not None and value != notification[key]:
            raise WebhookRefusal(400, f"the {header} header does not match the message {key}")


def check_topic(request: HttpRequest, notification: Mapping[str, Any]) -> None:
    """The topic must be on the allow-list, when one is configured."""
    allowed = allowed_topic_arns()
    if allowed is not None and notification["TopicArn"] not in allowed:
        raise WebhookRefusal(400, "the topic is not in the allowed topic ARNs")


def check_freshness(request: HttpRequest, notification: Mapping[str, Any]) -> None:
    """With ``AWS_SES_SNS_MAX_AGE``: not older than that, not from the future."""
    max_age = sns_max_age()
    if max_age is None:
        return
    sent = parse_aws_timestamp(notification.get("Timestamp"))
    if sent is None:
        raise WebhookRefusal(400, "'Timestamp' is not an ISO 8601 timestamp")
    now = dt.datetime.now(dt.timezone.utc)
    if now - sent > dt.timedelta(seconds=float(max_age)):
        raise WebhookRefusal(400, "the message is older than AWS_SES_SNS_MAX_AGE")
    if sent - now > _CLOCK_SKEW:
        raise WebhookRefusal(400, "the message Timestamp is in the future")


#: The guards of a parsed message, in order, each ``(request, notification)``.
NOTIFICATION_GUARDS: tuple[Callable[[HttpRequest, Mapping[str, Any]], None], ...] = (
    check_sns_headers,
    check_topic,
    check_freshness,
)


def check_notification(request: HttpRequest, notification: Mapping[str, Any]) -> None:
    """Run :data:`NOTIFICATION_GUARDS`."""
    for guard in NOTIFICATION_GUARDS:
        guard(request, notification)


def check_signature(
    notification: Mapping[str, Any], verify: Callable[[Mapping[str, Any]], bool]
) -> None:
    """Unless verification is off, ``verify(notification)`` must say the message is authentic."""
    if not verification_enabled():
        return
    try:
        verified = verify(notification)
    except MalformedSNSMessage as exc:
        raise WebhookRefusal(400, exc.reason) from None
    except CertificateFetchError as exc:
        raise WebhookRefusal(503, exc.reason) from None
    except VerificationUnavailable as exc:
        raise WebhookRefusal(500, exc.reason) from None
    if not verified:
        raise WebhookRefusal(400, "the SNS signature could not be verified")
