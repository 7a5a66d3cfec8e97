"""Signal receivers: how a project reacts to SES events and inbound mail.

Receivers run inside the webhook's request. If one raises, the webhook answers
5xx and SNS delivers the message again later, so nothing is lost.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from django.utils.dateparse import parse_datetime

from demo.models import ReceivedEmail, ReceivedEvent
from django_ses.signals import event_received, inbound_received


def store_event(sender: Any, event: Any, **kwargs: Any) -> None:
    """Keep every SES event (bounce, complaint, delivery…) for the Events page."""
    ReceivedEvent.objects.create(
        event_type=str(event.event_type),
        message_id=event.message_id or "",
        recipients=list(event.recipients or []),
        timestamp=_as_datetime(event.timestamp),
        raw=_json_safe(event.raw),
    )


def store_inbound(
    sender: Any,
    message: EmailMessage,
    raw_message: bytes,
    mail_obj: dict[str, Any],
    receipt_obj: dict[str, Any],
    **kwargs: Any,
) -> None:
    """Keep every incoming message for the Inbound page."""
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    ReceivedEmail.objects.create(
        ses_message_id=str(mail_obj.get("messageId", "")),
        action=str((receipt_obj.get("action") or {}).get("type", "")),
        mail_from=str(message.get("From", "")),
        to=_addresses(message, "To"),
        subject=str(message.get("Subject", "")),
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else "",
        attachments=[
            {
                "filename": part.get_filename() or "",
                "content_type": part.get_content_type(),
                "size": len(part.get_payload(decode=True) or b""),
            }
            for part in message.iter_attachments()
        ],
        raw_size=len(raw_message),
    )


def connect() -> None:
    event_received.connect(store_event, dispatch_uid="demo.store_event")
    inbound_received.connect(store_inbound, dispatch_uid="demo.store_inbound")


def _addresses(message: EmailMessage, name: str) -> list[str]:
    header = message.get(name)
    return [str(address) for address in getattr(header, "addresses", ())]


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return parse_datetime(value)
    return None


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
