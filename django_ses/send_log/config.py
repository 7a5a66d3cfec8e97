"""The send log's settings, read when used."""

from __future__ import annotations

from django_ses.conf import get_setting

__all__ = ["enabled", "hashing", "retention_days"]


def enabled() -> bool:
    """Whether the send log is on (``AWS_SES_SEND_LOG``, off by default)."""
    return bool(get_setting("AWS_SES_SEND_LOG"))


def hashing() -> bool:
    """Whether recipients are stored hashed (``AWS_SES_SEND_LOG_HASH_RECIPIENTS``)."""
    return bool(get_setting("AWS_SES_SEND_LOG_HASH_RECIPIENTS"))


def retention_days() -> int | None:
    """How many days ``prune_ses_send_log`` keeps (``AWS_SES_SEND_LOG_RETENTION_DAYS``)."""
    value = get_setting("AWS_SES_SEND_LOG_RETENTION_DAYS")
    return int(value) if value else None
