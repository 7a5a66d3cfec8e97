"""SES sending events: normalisation and signal dispatch.

SES publishes the same event records in two shapes: configuration-set event
publishing names the type in ``eventType``, identity notifications in
``notificationType``. When both are present ``eventType`` wins.

:func:`normalize_event` turns one parsed SES record (the JSON inside an SNS
``Notification``'s ``Message``) into an :class:`SESEvent`; it does no I/O.
:func:`send_event_signals` fires the django-ses signal of the event's kind and
then :data:`django_ses.signals.event_received`. Receivers are called with
``Signal.send``: an exception raised by a receiver propagates, so the webhook
answers 5xx and SNS delivers the message again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal

from django_ses import signals

__all__ = [
    "EVENT_KINDS",
    "SUPPRESSION_LIST_SUBTYPE",
    "EventKind",
    "SESEvent",
    "UnknownEventType",
    "event_kind_for",
    "event_recipients",
    "normalize_event",
    "parse_aws_timestamp",
    "send_event_signals",
    "ses_event_type",
]


#: The bounce subtype SES gives a send to an address on the account's suppression list.
SUPPRESSION_LIST_SUBTYPE = "OnAccountSuppressionList"


@dataclass(frozen=True)
class EventKind:
    """How one SES event type maps onto django_ses's names."""

    ses_name: str  # the value of eventType / notificationType
    event_type: str  # the normalised, lower-case name
    payload_key: str  # the key of the kind-specific object in the SES record
    signal: Signal  # the django-ses signal for this kind
    signal_keyword: str  # the keyword the kind-specific object is sent as


EVENT_KINDS: tuple[EventKind, ...] = (
    EventKind("Bounce", "bounce", "bounce", signals.bounce_received, "bounce_obj"),
    EventKind("Complaint", "complaint", "complaint", signals.complaint_received, "complaint_obj"),
    EventKind("Delivery", "delivery", "delivery", signals.delivery_received, "delivery_obj"),
    EventKind("Send", "send", "send", signals.send_received, "send_obj"),
    EventKind("Reject", "reject", "reject", signals.reject_received, "reject_obj"),
    EventKind("Open", "open", "open", signals.open_received, "open_obj"),
    EventKind("Click", "click", "click", signals.click_received, "click_obj"),
    EventKind(
        "Rendering Failure",
        "rendering_failure",
        "failure",
        signals.rendering_failure_received,
        "failure_obj",
    ),
    EventKind(
        "DeliveryDelay",
        "delivery_delay",
        "deliveryDelay",
        signals.delivery_delay_received,
        "delivery_delay_obj",
    ),
    EventKind(
        "Subscription",
        "subscription",
        "subscription",
        signals.subscription_received,
        "subscription_obj",
    ),
)

_KINDS_BY_SES_NAME = {kind.ses_name: kind for kind in EVENT_KINDS}
# SES's documentation spells it "Rendering Failure"; accept the spelling without
# the space too, as some SES consumers report it that way.
_KINDS_BY_SES_NAME["RenderingFailure"] = _KINDS_BY_SES_NAME["Rendering Failure"]


class UnknownEventType(ValueError):
    """The SES record names no event type that django_ses knows."""

    def __init__(self, ses_type: str | None) -> None:
        self.ses_type = ses_type
        super().__init__(f"unknown SES event type: {ses_type!r}")


@dataclass(frozen=True)
class SESEvent:
    """One SES event, the same shape whatever the event type.

    ``event_type`` is lower-case (``"bounce"``, ``"rendering_failure"``…);
    ``message_id`` is SES's message id (``mail.messageId``); ``recipients`` are
    the addresses the event is about (the bounced, complained, delivered or
    delayed ones, else the message's destination); ``timestamp`` is when the
    event happened (an aware ``datetime``, or ``None`` when SES sent none);
    ``tags`` are the message's tags; ``metadata`` is the JSON object of the
    message's ``X-Metadata`` header (``ses_metadata`` / ``ses_recipient_metadata``,
    or django-anymail's ``metadata``), when SES included the headers, else ``{}``;
    ``raw`` is the whole SES record.
    """

    event_type: str
    message_id: str
    recipients: list[str]
    timestamp: dt.datetime | None
    tags: dict[str, list[str]]
    raw: dict[str, Any]
    ses_type: str = ""  # the type as SES spelled it, e.g. "Rendering Failure"
    mail: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)  # the kind-specific object
    sns_message_id: str = ""
    topic_arn: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> EventKind:
        return _KINDS_BY_SES_NAME[self.ses_type]

    @property
    def on_suppression_list(self) -> bool:
        """True for a Bounce because the address is on the account-level suppression list
        (``bounceSubType`` ``OnAccountSuppressionList``): SES did not even try to send."""
        return (
            self.event_type == "bounce"
            and self.detail.get("bounceSubType") == SUPPRESSION_LIST_SUBTYPE
        )


def ses_event_type(message: Mapping[str, Any]) -> str | None:
    """The event type of an SES record: ``eventType``, else ``notificationType``."""
    for key in ("eventType", "notificationType"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def event_kind_for(ses_type: str | None) -> EventKind | None:
    """The :class:`EventKind` for an SES type name, or ``None`` when unknown."""
    if ses_type is None:
        return None
    return _KINDS_BY_SES_NAME.get(ses_type)


_TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_aws_timestamp(value: object) -> dt.datetime | None:
    """Parse an AWS ISO 8601 timestamp (``2017-08-05T00:41:02.669Z``) to aware UTC.

    Returns ``None`` for anything that is not such a timestamp. A timestamp
    without an offset is taken as UTC, as AWS means it.
    """
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        return None
    date, time, fraction, offset = match.groups()
    micros = (fraction or "0")[:6].ljust(6, "0")
    if offset in (None, "Z"):
        offset = "+00:00"
    elif ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        parsed = dt.datetime.fromisoformat(f"{date}T{time}.{micros}{offset}")
    except ValueError:
        return None
    return parsed.astimezone(dt.timezone.utc)


def _as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _addresses(items: object, key: str | None = "emailAddress") -> list[str]:
    """Addresses from a list of strings (``key=None``) or of ``{key: address}`` objects."""
    if not isinstance(items, list):
        return []
    found: list[str] = []
    for item in items:
        address = item.get(key) if key is not None and isinstance(item, Mapping) else item
        if isinstance(address, str) and address:
            found.append(address)
    return found


def _recipients(kind: EventKind, mail: Mapping[str, Any], detail: Mapping[str, Any]) -> list[str]:
    if kind.event_type == "bounce":
        found = _addresses(detail.get("bouncedRecipients"))
    elif kind.event_type == "complaint":
        found = _addresses(detail.get("complainedRecipients"))
    elif kind.event_type == "delivery":
        found = _addresses(detail.get("recipients"), key=None)
    elif kind.event_type == "delivery_delay":
        found = _addresses(detail.get("delayedRecipients"))
    else:
        found = []
    return found or _addresses(mail.get("destination"), key=None)


def _tags(mail: Mapping[str, Any]) -> dict[str, list[str]]:
    tags = mail.get("tags")
    if not isinstance(tags, Mapping):
        return {}
    return {
        str(name): [v for v in values if isinstance(v, str)]
        for name, values in tags.items()
        if isinstance(values, list)
    }


def _metadata(mail: Mapping[str, Any]) -> dict[str, Any]:
    """The ``X-Metadata`` header's JSON object (``{}`` when absent or not an object)."""
    headers = mail.get("headers")
    if not isinstance(headers, list):
        return {}
    for header in headers:
        if not isinstance(header, Mapping) or str(header.get("name", "")).lower() != "x-metadata":
            continue
        try:
            value = json.loads(str(header.get("value", "")))
        except (ValueError, RecursionError):  # not JSON, or nested past the interpreter's limit
            return {}
        return value if isinstance(value, dict) else {}
    return {}


def event_recipients(message: Mapping[str, Any]) -> list[str]:
    """The recipients :func:`normalize_event` gives, without the rest of the event."""
    kind = event_kind_for(ses_event_type(message))
    if kind is None:
        raise UnknownEventType(ses_event_type(message))
    # Read, not kept: the mappings need no copy.
    return _recipients(kind, _mapping(message.get("mail")), _mapping(message.get(kind.payload_key)))


def normalize_event(
    message: Mapping[str, Any], *, sns_message_id: str = "", topic_arn: str = ""
) -> SESEvent:
    """Normalise one SES event record. Raises :class:`UnknownEventType`."""
    ses_type = ses_event_type(message)
    kind = event_kind_for(ses_type)
    if kind is None:
        raise UnknownEventType(ses_type)
    mail = _as_dict(message.get("mail"))
    detail = _as_dict(message.get(kind.payload_key))
    message_id = mail.get("messageId")
    timestamp = parse_aws_timestamp(detail.get("timestamp")) or parse_aws_timestamp(
        mail.get("timestamp")
    )
    return SESEvent(
        event_type=kind.event_type,
        message_id=message_id if isinstance(message_id, str) else "",
        recipients=_recipients(kind, mail, detail),
        timestamp=timestamp,
        tags=_tags(mail),
        raw=dict(message),
        ses_type=kind.ses_name,
        mail=mail,
        detail=detail,
        sns_message_id=sns_message_id,
        topic_arn=topic_arn,
        metadata=_metadata(mail),
    )


def send_event_signals(event: SESEvent, *, sender: Any, raw_message: bytes) -> None:
    """Fire the event's django-ses signal, then ``event_received``.

    The kind-specific signal gets ``mail_obj``, ``<kind>_obj`` (see
    :data:`EVENT_KINDS`) and ``raw_message`` (the request body, as django-ses
    sent it). ``bounce_received`` also gets ``on_suppression_list``: ``True``
    when SES bounced the send because the address is on the account-level
    suppression list. A receiver that raises stops the dispatch and the
    exception propagates to the caller.
    """
    kind = event.kind
    extra: dict[str, Any] = {kind.signal_keyword: event.detail}
    if kind.event_type == "bounce":
        extra["on_suppression_list"] = event.on_suppression_list
    kind.signal.send(sender=sender, mail_obj=event.mail, raw_message=raw_message, **extra)
    signals.event_received.send(sender=sender, event=event)
