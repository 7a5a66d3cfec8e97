"""The SNS envelope: parsing the JSON of an SNS HTTP(S) message and checking its keys.

Pure functions: no I/O, no settings. Everything malformed raises
:class:`~django_ses.exceptions.MalformedSNSMessage`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django_ses.exceptions import MalformedSNSMessage, NestedTooDeeply

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "MESSAGE_TYPES",
    "OPTIONAL_SIGNED_KEYS",
    "SIGNED_KEYS",
    "check_envelope",
    "is_topic_arn",
    "load_json_object",
    "required_keys",
    "topic_region",
]

MESSAGE_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")

#: The keys of the string to sign, in order, per message type.
SIGNED_KEYS: dict[str, tuple[str, ...]] = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
SIGNED_KEYS["UnsubscribeConfirmation"] = SIGNED_KEYS["SubscriptionConfirmation"]
OPTIONAL_SIGNED_KEYS = frozenset({"Subject"})

# Limits. SNS messages are at most 256 KiB; JSON escaping of the embedded SES
# record can nearly double that.
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

_TOPIC_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$"
)

_OPTIONAL_STRING_KEYS = (
    "Subject",
    "SignatureVersion",
    "Signature",
    "SigningCertURL",
    "UnsubscribeURL",
    "SubscribeURL",
    "Token",
)


def _nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether parsed JSON nests objects/arrays deeper than ``limit`` (iterative)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every message: ``json.loads`` with an argument builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def load_json_object(text: str | bytes, *, what: str = "body") -> dict[str, Any]:
    """Parse ``text`` as a JSON object, with a nesting limit.

    Raises :class:`MalformedSNSMessage` for invalid UTF-8 or JSON, for ``NaN``
    and friends, for nesting deeper than :data:`MAX_JSON_DEPTH` and for
    anything but an object at the top.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedSNSMessage(f"the {what} is not UTF-8") from None
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise NestedTooDeeply(f"the {what} is nested too deeply") from None
    except ValueError:
        raise MalformedSNSMessage(f"the {what} is not valid JSON") from None
    # The depth is at most the number of opening brackets (those in strings count too).
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH and _nesting_exceeds(
        value, MAX_JSON_DEPTH
    ):
        raise NestedTooDeeply(f"the {what} is nested too deeply")
    if not isinstance(value, dict):
        raise MalformedSNSMessage(f"the {what} is not a JSON object")
    return value


#: The keys every message must carry as strings, and those of each signed type.
_REQUIRED_KEYS = ("MessageId", "TopicArn", "Type")
_REQUIRED_KEYS_BY_TYPE: dict[str, tuple[str, ...]] = {
    message_type: tuple(k for k in keys if k not in OPTIONAL_SIGNED_KEYS)
    for message_type, keys in SIGNED_KEYS.items()
}


def required_keys(message_type: str) -> tuple[str, ...]:
    """The keys a message of ``message_type`` must carry as strings."""
    return _REQUIRED_KEYS_BY_TYPE.get(message_type, _REQUIRED_KEYS)


def check_envelope(notification: Mapping[str, Any]) -> None:
    """Check the SNS envelope keys: required ones present, all of them strings.

    Signature keys are checked by the verifier, as they are only needed when
    signatures are verified. Raises :class:`MalformedSNSMessage`.
    """
    message_type = notification.get("Type")
    if not isinstance(message_type, str) or not message_type:
        raise MalformedSNSMessage("'Type' is missing or not a string")
    for key in required_keys(message_type):
        if not isinstance(notification.get(key), str):
            raise MalformedSNSMessage(f"{key!r} is missing or not a string")
    for key in _OPTIONAL_STRING_KEYS:
        value = notification.get(key)
        if value is not None and not isinstance(value, str):
            raise MalformedSNSMessage(f"{key!r} is not a string")
    message_id = notification["MessageId"]
    if not 0 < len(message_id) <= 128 or not message_id.isprintable():
        raise MalformedSNSMessage("'MessageId' is not a valid SNS message id")
    if not is_topic_arn(notification["TopicArn"]):
        raise MalformedSNSMessage("'TopicArn' is not an SNS topic ARN")


def is_topic_arn(value: object) -> bool:
    """Whether ``value`` is an SNS topic ARN."""
    return isinstance(value, str) and _TOPIC_ARN.match(value) is not None


def topic_region(topic_arn: str) -> str:
    """The region of an SNS topic ARN (``arn:aws:sns:<region>:<account>:<name>``)."""
    return topic_arn.split(":")[3]
