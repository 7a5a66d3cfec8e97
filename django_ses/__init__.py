"""django_ses: a Django email backend and app for Amazon Simple Email Service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from django_ses.backends.queued import QueuedSESBackend
    from django_ses.backends.ses import SESBackend

__all__ = ["QueuedSESBackend", "SESBackend", "__version__"]


def __getattr__(name: str) -> Any:
    # ``EMAIL_BACKEND = "django_ses.SESBackend"`` keeps working, while importing
    # ``django_ses`` (for example from INSTALLED_APPS) does not import boto3.
    if name == "SESBackend":
        from django_ses.backends.ses import SESBackend

        return SESBackend
    if name == "QueuedSESBackend":
        from django_ses.backends.queued import QueuedSESBackend

        return QueuedSESBackend
    raise AttributeError(f"module 'django_ses' has no attribute {name!r}")
