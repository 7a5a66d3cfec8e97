"""SNS message verification (placeholder until implemented)."""

from __future__ import annotations

from typing import Any


class EventMessageVerifier:
    def __init__(self, notification: Any) -> None:
        self._data = notification

    def is_verified(self) -> bool:
        raise NotImplementedError


BounceMessageVerifier = EventMessageVerifier


def verify_event_message(notification: Any) -> bool:
    raise NotImplementedError


verify_bounce_message = verify_event_message


def clear_cert_cache() -> None:
    pass
