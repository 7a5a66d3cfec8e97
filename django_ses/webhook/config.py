"""The webhook's settings, read through :mod:`django_ses.conf` by the runtime and the checks."""

from __future__ import annotations

from django_ses.conf import SETTINGS, get_setting

__all__ = [
    "EVENT_PROCESSING_MODES",
    "allowed_topic_arns",
    "auto_confirm_subscriptions",
    "event_processing_mode",
    "verification_enabled",
]

#: The values of ``AWS_SES_EVENT_PROCESSING``.
EVENT_PROCESSING_MODES = ("inline", "tasks")
_DEFAULT_MODE: str = SETTINGS["AWS_SES_EVENT_PROCESSING"].default


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


def verification_enabled() -> bool:
    """``AWS_SES_VERIFY_EVENT_SIGNATURES`` (or ``AWS_SES_VERIFY_BOUNCE_SIGNATURES``)."""
    return bool(get_setting("AWS_SES_VERIFY_EVENT_SIGNATURES"))


def auto_confirm_subscriptions() -> bool:
    """``AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS``."""
    return bool(get_setting("AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS"))


def event_processing_mode() -> str:
    """``AWS_SES_EVENT_PROCESSING``: ``"inline"`` (the default) or ``"tasks"``.

    Any other value processes events inline (and system check E036 reports it).
    """
    value = get_setting("AWS_SES_EVENT_PROCESSING")
    return value if value in EVENT_PROCESSING_MODES else _DEFAULT_MODE
