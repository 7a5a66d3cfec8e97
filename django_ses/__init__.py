"""django_ses: a Django email backend and app for Amazon Simple Email Service.

This module is lazy: importing ``django_ses`` (from ``INSTALLED_APPS``, say)
imports neither boto3 nor the backends. ``django_ses.SESBackend`` and the other
names below are resolved on first access by :func:`__getattr__`.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

from django_ses.deprecation import RemovedInDjangoSES20Warning

__version__ = "0.1.0"

#: The package's own logger, as in django-ses (each module logs under its own name).
logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django_ses.backends.queued import QueuedSESBackend
    from django_ses.backends.ses import SESBackend
    from django_ses.conf import settings
    from django_ses.legacy import cast_nonzero_to_float, dkim_sign

__all__ = [
    "QueuedSESBackend",
    "SESBackend",
    "__version__",
    "cast_nonzero_to_float",
    "dkim_sign",
    "settings",
]

#: Module-global state of django-ses that django_ses does not keep: the throttle
#: lives in django_ses.sending.throttle (per process, or shared through the cache).
_REMOVED_STATE: dict[str, tuple[Any, str]] = {
    "cached_rate_limits": (
        {},
        "django_ses.cached_rate_limits is deprecated and always empty: the send rate is "
        "cached by django_ses.sending.throttle (see AWS_SES_RATE_LIMIT_CACHE).",
    ),
    "recent_send_times": (
        [],
        "django_ses.recent_send_times is deprecated and always empty: the throttle keeps "
        "its own schedule (django_ses.sending.throttle), per process or in the cache.",
    ),
}


def __getattr__(name: str) -> Any:
    # Lazy: EMAIL_BACKEND = "django_ses.SESBackend" keeps working, while importing
    # django_ses (for example from INSTALLED_APPS) does not import boto3.
    if name == "SESBackend":
        from django_ses.backends.ses import SESBackend

        return SESBackend
    if name == "QueuedSESBackend":
        from django_ses.backends.queued import QueuedSESBackend

        return QueuedSESBackend
    if name == "settings":
        from django_ses.conf import settings  # lazy: needs configured Django settings

        return settings
    if name in ("dkim_sign", "cast_nonzero_to_float"):
        from django_ses import legacy  # lazy: django-ses's helpers, for migrated code

        return getattr(legacy, name)
    if name in _REMOVED_STATE:
        value, text = _REMOVED_STATE[name]
        warnings.warn(text, RemovedInDjangoSES20Warning, stacklevel=2)
        return type(value)()
    raise AttributeError(f"module 'django_ses' has no attribute {name!r}")
