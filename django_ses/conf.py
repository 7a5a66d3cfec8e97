"""Every django_ses setting, in one table, read by the runtime and the system checks alike.

Each :class:`Setting` has its name, the older names it also answers to
(``aliases``, tried in order when the name itself is not set), its default and
an optional coercion. Settings are read when they are used, never at import
time, so ``override_settings`` and settings changed after start-up are honoured.

Two ways in, both reading the same table:

* :func:`get_setting` — ``get_setting("AWS_SES_AUTO_THROTTLE")`` returns the
  coerced value, or the table's default when neither the name nor an alias is set;
* :data:`settings`, an instance of :class:`SesSettings` — the same values as
  upper-case attributes (``settings.AWS_SES_AUTO_THROTTLE``), plus django-ses's
  short names (``settings.ACCESS_KEY``, ``settings.SECRET_KEY``…).

``docs/settings.rst`` documents every entry of :data:`SETTINGS`; a test keeps the
two in step.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import Settings, UserSettingsHolder
from django.conf import settings as django_settings

__all__ = [
    "DEFAULT_DKIM_HEADERS",
    "DEFAULT_INBOUND_HANDLER",
    "DEFAULT_REGION",
    "SETTINGS",
    "SesSettings",
    "Setting",
    "get_setting",
    "is_set",
    "raw_setting",
    "set_name",
    "settings",
    "written_values",
]

_MISSING: Any = object()

DEFAULT_REGION = "us-east-1"
DEFAULT_DKIM_HEADERS: tuple[str, ...] = ("From", "To", "Cc", "Subject")
DEFAULT_INBOUND_HANDLER = "django_ses.inbound.DefaultHandler"
#: SES stores received messages of up to 40 MB in S3.
DEFAULT_INBOUND_MAX_MESSAGE_SIZE = 40 * 1024 * 1024


def _blank_is_unset(value: Any) -> Any:
    """``""`` counts as not set (settings often come from empty environment variables)."""
    return None if value == "" else value


@dataclass(frozen=True)
class Setting:
    """One setting: its name, older names, default, coercion and documentation group."""

    name: str
    default: Any = None
    aliases: tuple[str, ...] = ()
    #: Applied to a value that is set (not to the default). Never raises: a value of
    #: the wrong type goes through unchanged, for the system checks to report.
    coerce: Callable[[Any], Any] | None = None
    #: The section of docs/settings.rst that documents it.
    group: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _bool(value: Any) -> Any:
    return bool(value)


_CREDENTIALS = "Credentials and region"
_SENDING = "Sending"
_DKIM = "DKIM"
_THROTTLE = "Throttling"
_TASKS = "Tasks"
_WEBHOOK = "Events webhook"
_INBOUND = "Inbound mail"
_SEND_LOG = "Send log"
_SQS = "Events through SQS"
_UNSUBSCRIBE = "Unsubscribe"

SETTINGS: dict[str, Setting] = {
    setting.name: setting
    for setting in (
        # Credentials and region
        Setting(
            "AWS_SES_ACCESS_KEY_ID", None, ("AWS_ACCESS_KEY_ID",), _blank_is_unset, _CREDENTIALS
        ),
        Setting(
            "AWS_SES_SECRET_ACCESS_KEY",
            None,
            ("AWS_SECRET_ACCESS_KEY",),
            _blank_is_unset,
            _CREDENTIALS,
        ),
        Setting(
            "AWS_SES_SESSION_TOKEN", None, ("AWS_SESSION_TOKEN",), _blank_is_unset, _CREDENTIALS
        ),
        Setting(
            "AWS_SES_SESSION_PROFILE", None, ("AWS_SESSION_PROFILE",), _blank_is_unset, _CREDENTIALS
        ),
        Setting("AWS_SES_REGION_NAME", DEFAULT_REGION, ("AWS_DEFAULT_REGION",), None, _CREDENTIALS),
        Setting("AWS_SES_REGION_ENDPOINT", None, (), _blank_is_unset, _CREDENTIALS),
        Setting("AWS_SES_REGION_ENDPOINT_URL", None, (), _blank_is_unset, _CREDENTIALS),
        Setting("AWS_SES_CONFIG", None, (), None, _CREDENTIALS),
        # Sending
        Setting("USE_SES_V2", False, (), _bool, _SENDING),
        Setting("AWS_SES_GLOBAL_ENDPOINT_ID", None, (), _blank_is_unset, _SENDING),
        Setting("AWS_SES_FROM_EMAIL", None, (), _blank_is_unset, _SENDING),
        Setting("AWS_SES_RETURN_PATH", None, (), _blank_is_unset, _SENDING),
        Setting("AWS_SES_SOURCE_ARN", None, (), _blank_is_unset, _SENDING),
        Setting("AWS_SES_FROM_ARN", None, (), _blank_is_unset, _SENDING),
        Setting("AWS_SES_RETURN_PATH_ARN", None, (), _blank_is_unset, _SENDING),
        Setting("AWS_SES_CONFIGURATION_SET", None, (), _blank_is_unset, _SENDING),
        Setting("AWS_SES_DEFAULT_TAGS", None, (), None, _SENDING),
        Setting("AWS_SES_USE_BLACKLIST", False, (), _bool, _SENDING),
        Setting("AWS_SES_CHECK_SUPPRESSION_LIST", False, (), _bool, _SENDING),
        Setting("AWS_SES_SUPPRESSION_LIST_CACHE", "default", (), _blank_is_unset, _SENDING),
        Setting("AWS_SES_SUPPRESSION_LIST_CACHE_TTL", 3600, (), None, _SENDING),
        Setting("AWS_SES_TEMPLATE_MAX_DESTINATIONS", 10_000, (), None, _SENDING),
        Setting("AWS_SES_SEND_CONCURRENCY", 8, (), None, _SENDING),
        # DKIM
        Setting("DKIM_DOMAIN", None, (), _blank_is_unset, _DKIM),
        Setting("DKIM_PRIVATE_KEY", None, (), _blank_is_unset, _DKIM),
        Setting("DKIM_SELECTOR", "ses", (), None, _DKIM),
        Setting("DKIM_HEADERS", DEFAULT_DKIM_HEADERS, (), None, _DKIM),
        # Throttling
        Setting("AWS_SES_AUTO_THROTTLE", 0.5, (), None, _THROTTLE),
        Setting("AWS_SES_MAX_SEND_RATE", None, (), None, _THROTTLE),
        Setting("AWS_SES_RATE_LIMIT_CACHE", None, (), _blank_is_unset, _THROTTLE),
        Setting("AWS_SES_THROTTLE_MAX_WAIT", 5.0, (), None, _THROTTLE),
        # Tasks
        Setting("AWS_SES_TASK_BACKEND", "default", (), None, _TASKS),
        Setting("AWS_SES_TASK_QUEUE_NAME", "default", (), None, _TASKS),
        Setting("AWS_SES_QUEUE_MAX_ATTEMPTS", 5, (), None, _TASKS),
        Setting("AWS_SES_QUEUE_RETRY_DELAY", 30, (), None, _TASKS),
        Setting("AWS_SES_QUEUE_QUOTA_DELAY", 3600, (), None, _TASKS),
        Setting("AWS_SES_EVENT_PROCESSING", "inline", (), None, _TASKS),
        # Events webhook
        Setting(
            "AWS_SES_VERIFY_EVENT_SIGNATURES",
            True,
            ("AWS_SES_VERIFY_BOUNCE_SIGNATURES",),
            _bool,
            _WEBHOOK,
        ),
        Setting(
            "AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS",
            None,
            ("AWS_SNS_BOUNCE_CERT_TRUSTED_DOMAINS", "EVENT_CERT_DOMAINS", "BOUNCE_CERT_DOMAINS"),
            None,
            _WEBHOOK,
        ),
        Setting(
            "AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS",
            None,
            ("AWS_SES_ALLOWED_TOPIC_ARNS",),
            None,
            _WEBHOOK,
        ),
        Setting("AWS_SES_WEBHOOK_SECRET", None, (), None, _WEBHOOK),
        Setting("AWS_SES_SNS_MAX_AGE", None, (), None, _WEBHOOK),
        Setting("AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS", True, (), _bool, _WEBHOOK),
        Setting("AWS_SES_ADD_BOUNCE_TO_BLACKLIST", False, (), _bool, _WEBHOOK),
        Setting("AWS_SES_ADD_COMPLAINT_TO_BLACKLIST", False, (), _bool, _WEBHOOK),
        # Send log
        Setting("AWS_SES_SEND_LOG", False, (), _bool, _SEND_LOG),
        Setting("AWS_SES_SEND_LOG_HASH_RECIPIENTS", False, (), _bool, _SEND_LOG),
        Setting("AWS_SES_SEND_LOG_RETENTION_DAYS", 90, (), None, _SEND_LOG),
        # Unsubscribe
        Setting("AWS_SES_LIST_MANAGEMENT_OPTIONS", None, (), None, _UNSUBSCRIBE),
        Setting("AWS_SES_UNSUBSCRIBE_BASE_URL", None, (), _blank_is_unset, _UNSUBSCRIBE),
        Setting(
            "AWS_SES_UNSUBSCRIBE_URL_NAME",
            "django_ses_unsubscribe",
            (),
            _blank_is_unset,
            _UNSUBSCRIBE,
        ),
        Setting("AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS", 365, (), None, _UNSUBSCRIBE),
        Setting("AWS_SES_UNSUBSCRIBE_SALT", "django_ses.unsubscribe", (), None, _UNSUBSCRIBE),
        Setting("AWS_SES_UNSUBSCRIBE_BLACKLIST", True, (), _bool, _UNSUBSCRIBE),
        # Events through SQS
        Setting("AWS_SES_SQS_QUEUE_URLS", (), (), None, _SQS),
        Setting("AWS_SES_SQS_WAIT_SECONDS", 20, (), None, _SQS),
        Setting("AWS_SES_SQS_VISIBILITY_TIMEOUT", None, (), None, _SQS),
        Setting("AWS_SES_SQS_RAW_DELIVERY", False, (), _bool, _SQS),
        Setting("AWS_SES_SQS_EVENT_VIEW", None, (), _blank_is_unset, _SQS),
        Setting("AWS_SES_SQS_REGION", None, (), _blank_is_unset, _SQS),
        # Inbound mail
        Setting("AWS_SES_INBOUND_HANDLER", DEFAULT_INBOUND_HANDLER, (), _blank_is_unset, _INBOUND),
        Setting("AWS_SES_INBOUND_S3_BUCKETS", None, (), None, _INBOUND),
        Setting("AWS_SES_INBOUND_S3_REGION", None, (), _blank_is_unset, _INBOUND),
        Setting(
            "AWS_SES_INBOUND_MAX_MESSAGE_SIZE", DEFAULT_INBOUND_MAX_MESSAGE_SIZE, (), None, _INBOUND
        ),
        Setting("AWS_SES_INBOUND_ACCESS_KEY_ID", None, (), _blank_is_unset, _INBOUND),
        Setting("AWS_SES_INBOUND_SECRET_ACCESS_KEY", None, (), _blank_is_unset, _INBOUND),
        Setting("AWS_SES_INBOUND_SESSION_TOKEN", None, (), _blank_is_unset, _INBOUND),
    )
}

#: django-ses's short attribute names on its ``settings`` object, and the setting each reads.
LEGACY_NAMES: dict[str, str] = {
    "ACCESS_KEY": "AWS_SES_ACCESS_KEY_ID",
    "SECRET_KEY": "AWS_SES_SECRET_ACCESS_KEY",
    "SESSION_TOKEN": "AWS_SES_SESSION_TOKEN",
    "AWS_SESSION_PROFILE": "AWS_SES_SESSION_PROFILE",
    "BOUNCE_CERT_DOMAINS": "AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS",
    "EVENT_CERT_DOMAINS": "AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS",
    "VERIFY_BOUNCE_SIGNATURES": "AWS_SES_VERIFY_EVENT_SIGNATURES",
    "VERIFY_EVENT_SIGNATURES": "AWS_SES_VERIFY_EVENT_SIGNATURES",
    "TRUSTED_TOPIC_ARNS": "AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS",
    "EVENT_TRUSTED_TOPIC_ARNS": "AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS",
}

#: Django's own settings that django-ses's settings object passed through.
DJANGO_NAMES = frozenset({"TIME_ZONE"})


def _lookup(name: str) -> Setting:
    try:
        return SETTINGS[name]
    except KeyError:
        raise KeyError(
            f"{name!r} is not a django_ses setting; add it to django_ses.conf.SETTINGS."
        ) from None


def set_name(name: str) -> str | None:
    """Which of the setting's names (itself, then its aliases) is set, or ``None``."""
    for candidate in _lookup(name).names:
        if hasattr(django_settings, candidate):
            return candidate
    return None


def is_set(name: str) -> bool:
    """Whether the setting, or one of its aliases, is set."""
    return set_name(name) is not None


def raw_setting(name: str) -> Any:
    """The value as the project wrote it (first set name), uncoerced; else the default."""
    setting = _lookup(name)
    for candidate in setting.names:
        value = getattr(django_settings, candidate, _MISSING)
        if value is not _MISSING:
            return value
    return setting.default


def written_values(name: str) -> list[tuple[str, Any]]:
    """Each of the setting's names (itself, then its aliases) that is set, with its value."""
    return [
        (candidate, getattr(django_settings, candidate))
        for candidate in _lookup(name).names
        if hasattr(django_settings, candidate)
    ]


def _raw_value(name: str) -> Any:
    """``settings.<name>``, or ``_MISSING``.

    Read by dictionary lookups through Django's settings holders (the project's
    settings, ``override_settings`` layers, the defaults): ``getattr`` on the
    lazy settings raises and catches ``AttributeError`` for every unset name,
    several microseconds each, and the webhook reads a dozen per request. Any
    other holder is read with ``getattr``.
    """
    holder: Any = getattr(django_settings, "_wrapped", None)
    while True:
        kind = type(holder)
        if kind is UserSettingsHolder:  # configure() and override_settings
            if name in holder.__dict__:
                return holder.__dict__[name]
            if name in holder._deleted:
                return _MISSING
            holder = holder.default_settings
        elif kind is Settings or isinstance(holder, types.ModuleType):
            return holder.__dict__.get(name, _MISSING)
        else:  # not set up yet, or a holder of another kind
            return getattr(django_settings, name, _MISSING)


def get_setting(name: str) -> Any:
    """The value of the django_ses setting ``name``: set value, coerced, else its default.

    An alias is used when the name itself is not set. A value set to ``None``
    stays ``None`` (``AWS_SES_AUTO_THROTTLE = None`` turns throttling off); a
    coercion that turns a value into ``None`` (a blank string) gives the default.
    Django's own settings that django_ses reads (``EMAIL_BACKEND``, ``MAILERS``)
    are not in :data:`SETTINGS`: they come as set, else ``None``.
    """
    if name not in SETTINGS:
        return getattr(django_settings, name, None)
    setting = SETTINGS[name]
    for candidate in setting.names:
        value = _raw_value(candidate)
        if value is _MISSING:
            continue
        if value is not None and setting.coerce is not None:
            value = setting.coerce(value)
            if value is None:  # blank: as if unset
                return setting.default
        return value
    return setting.default


class SesSettings:
    """Attribute access to every django_ses setting, read at access time.

    ``SesSettings().AWS_SES_AUTO_THROTTLE`` is ``get_setting("AWS_SES_AUTO_THROTTLE")``.
    django-ses's short names are kept: ``ACCESS_KEY``, ``SECRET_KEY``,
    ``SESSION_TOKEN``, ``AWS_SESSION_PROFILE`` and the others of :data:`LEGACY_NAMES`.
    """

    def __getattr__(self, name: str) -> Any:
        if name in SETTINGS:
            return get_setting(name)
        if name in LEGACY_NAMES:
            return get_setting(LEGACY_NAMES[name])
        if name in DJANGO_NAMES:
            return getattr(django_settings, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *SETTINGS, *LEGACY_NAMES, *DJANGO_NAMES})

    def __iter__(self) -> Iterator[Setting]:
        return iter(SETTINGS.values())


#: The settings object: ``from django_ses.conf import settings``.
settings = SesSettings()
