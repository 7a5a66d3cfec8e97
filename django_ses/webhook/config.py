"""The webhook's settings, read through :mod:`django_ses.conf` by the runtime and the checks.

Every request reads them, so each function remembers its answer until one of
its settings (or an alias) changes: ``override_settings`` and the other senders
of ``setting_changed`` clear it through :mod:`django_ses.caches`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django_ses import caches
from django_ses.conf import SETTINGS, get_setting

__all__ = [
    "EVENT_PROCESSING_MODES",
    "allowed_topic_arns",
    "auto_confirm_subscriptions",
    "event_processing_mode",
    "sns_max_age",
    "verification_enabled",
    "webhook_secret",
]

_T = TypeVar("_T")


def _remembered(setting: str) -> Callable[[Callable[[], _T]], Callable[[], _T]]:
    """Cache a reader of ``setting`` until the setting or one of its aliases changes."""

    def decorate(read: Callable[[], _T]) -> Callable[[], _T]:
        cached = functools.cache(read)
        caches.register_cache(
            f"webhook_setting:{setting}", cached.cache_clear, settings=SETTINGS[setting].names
        )
        return cached

    return decorate


#: The values of ``AWS_SES_EVENT_PROCESSING``.
EVENT_PROCESSING_MODES = ("inline", "tasks")
_DEFAULT_MODE: str = SETTINGS["AWS_SES_EVENT_PROCESSING"].default


@_remembered("AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS")
def allowed_topic_arns() -> frozenset[str] | None:
    """The topic allow-list, or ``None`` when none is configured.

    ``AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS`` (django-ses 4.8's name), else its alias
    ``AWS_SES_ALLOWED_TOPIC_ARNS``; a string is one ARN. A value of the wrong
    type allows no topic at all (and system check E030 reports it).
    """
    value = get_setting("AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS")
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)):
        return frozenset()  # misconfigured (system check E030): refuse every topic
    arns = frozenset(item.strip() for item in items if isinstance(item, str) and item.strip())
    return arns or None


@_remembered("AWS_SES_VERIFY_EVENT_SIGNATURES")
def verification_enabled() -> bool:
    """``AWS_SES_VERIFY_EVENT_SIGNATURES`` (or ``AWS_SES_VERIFY_BOUNCE_SIGNATURES``)."""
    return bool(get_setting("AWS_SES_VERIFY_EVENT_SIGNATURES"))


@_remembered("AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS")
def auto_confirm_subscriptions() -> bool:
    """``AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS``."""
    return bool(get_setting("AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS"))


@_remembered("AWS_SES_EVENT_PROCESSING")
def event_processing_mode() -> str:
    """``AWS_SES_EVENT_PROCESSING``: ``"inline"`` (the default) or ``"tasks"``.

    Any other value processes events inline (and system check E036 reports it).
    """
    value = get_setting("AWS_SES_EVENT_PROCESSING")
    return value if value in EVENT_PROCESSING_MODES else _DEFAULT_MODE


@_remembered("AWS_SES_WEBHOOK_SECRET")
def webhook_secret() -> Any:
    """``AWS_SES_WEBHOOK_SECRET`` (``"user:password"`` for basic auth), or ``None``."""
    return get_setting("AWS_SES_WEBHOOK_SECRET")


@_remembered("AWS_SES_SNS_MAX_AGE")
def sns_max_age() -> Any:
    """``AWS_SES_SNS_MAX_AGE`` (seconds), or ``None``."""
    return get_setting("AWS_SES_SNS_MAX_AGE")
