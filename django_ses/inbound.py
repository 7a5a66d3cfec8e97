"""Inbound mail through SES receipt rules (placeholder until implemented)."""

from __future__ import annotations

from typing import Any


class InboundTransientError(Exception):
    """Handling failed for a reason that may pass: the webhook answers 5xx so SNS retries."""


def dispatch_received(message: dict[str, Any], *, sns_message_id: str, topic_arn: str) -> None:
    """Handle one SES ``Received`` notification (the parsed SNS ``Message``)."""
    raise NotImplementedError
