"""Untrusted values made safe: for a log line, and for a database column."""

from __future__ import annotations

import traceback
from typing import Any

__all__ = ["MAX_ERROR_CHARS", "error_text", "loggable", "storable"]

#: The longest error kept on a failed SNSNotification.
MAX_ERROR_CHARS = 20_000


def loggable(value: object, limit: int = 300) -> str:
    """``value`` made safe for a log line: printable and truncated."""
    text = value if isinstance(value, str) else repr(value)
    return "".join(ch if ch.isprintable() else "?" for ch in text[:limit])


def storable(value: Any) -> Any:
    """``value`` without NUL characters, which PostgreSQL text and jsonb refuse."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value


def error_text(exc: BaseException) -> str:
    """The traceback of ``exc``, its last :data:`MAX_ERROR_CHARS` characters, storable."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return str(storable(text[-MAX_ERROR_CHARS:]))
