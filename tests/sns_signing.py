"""The suite's SNS signing: :mod:`django_ses.testing.sns`, and a log of signals sent.

``SignalLog`` records the event signals a request sent.
"""

from __future__ import annotations

from typing import Any

from django_ses.testing.sns import (
    CERT_URL,
    NOTIFICATION_KEYS,
    SUBSCRIPTION_KEYS,
    TOPIC_ARN,
    WEBHOOK_URL,
    SNSDelivery,
    SNSSigner,
    canonical_string,
    shared_signer,
)

__all__ = [
    "CERT_URL",
    "NOTIFICATION_KEYS",
    "SUBSCRIPTION_KEYS",
    "TOPIC_ARN",
    "WEBHOOK_URL",
    "SNSDelivery",
    "SNSSigner",
    "SignalLog",
    "canonical_string",
    "shared_signer",
]


class SignalLog:
    """Records every SES event signal sent while connected: ``(name, kwargs)``."""

    def __init__(self) -> None:
        from django_ses import signals

        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._signals = {
            name: getattr(signals, name)
            for name in (
                "bounce_received",
                "complaint_received",
                "delivery_received",
                "send_received",
                "open_received",
                "click_received",
                "reject_received",
                "rendering_failure_received",
                "delivery_delay_received",
                "subscription_received",
                "event_received",
                "inbound_received",
            )
        }

    def connect(self) -> None:
        for name, signal in self._signals.items():

            def receiver(sender: Any, name: str = name, **kwargs: Any) -> None:
                self.calls.append((name, {"sender": sender, **kwargs}))

            signal.connect(receiver, weak=False, dispatch_uid=f"signal-log-{name}")

    def disconnect(self) -> None:
        for name, signal in self._signals.items():
            signal.disconnect(dispatch_uid=f"signal-log-{name}")

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def kwargs(self, name: str) -> dict[str, Any]:
        (found,) = [kwargs for n, kwargs in self.calls if n == name]
        return found
