"""Sending one message from the Send page through the configured backend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.mail import EmailMultiAlternatives


@dataclass(frozen=True)
class SendOutcome:
    accepted: int  # what send() returned: 1 when SES accepted the message
    status: str  # message.ses_status.status: sent, failed, suppressed, unknown
    message_id: str
    error: str


def build_message(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["text"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
    )
    if data.get("html"):
        message.attach_alternative(data["html"], "text/html")
    if data.get("unsubscribe"):
        # django_ses adds List-Unsubscribe and List-Unsubscribe-Post, per recipient.
        message.ses_unsubscribe = True  # type: ignore[attr-defined]
    upload = data.get("attachment")
    if upload is not None:
        message.attach(upload.name, upload.read(), upload.content_type or None)
    return message


def send(message: EmailMultiAlternatives) -> SendOutcome:
    """Send with ``fail_silently=False`` and report what django_ses says happened."""
    try:
        accepted = message.send()
    except Exception as error:  # the demo shows any error instead of a 500
        status = getattr(message, "ses_status", None)
        return SendOutcome(
            accepted=0,
            status=getattr(status, "status", "failed"),
            message_id="",
            error=f"{type(error).__name__}: {error}",
        )
    status = getattr(message, "ses_status", None)
    return SendOutcome(
        accepted=accepted,
        status=getattr(status, "status", "sent" if accepted else "unknown"),
        message_id=getattr(status, "message_id", None) or "",
        error=str(getattr(status, "error", None) or ""),
    )
