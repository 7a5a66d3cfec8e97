"""The SNS webhook: SES events (and inbound mail) delivered by Amazon SNS over HTTPS.

The pipeline, one module per stage (see ``docs/architecture.rst``):

- :mod:`~django_ses.webhook.views`: :class:`SESEventWebhookView`, HTTP only;
- :mod:`~django_ses.webhook.guards`: basic auth, body, envelope, headers, topic, freshness;
- :mod:`django_ses.sns`: the SNS envelope, signature, certificates and subscriptions;
- :mod:`~django_ses.webhook.ledger`: each SNS ``MessageId`` processed once;
- :mod:`~django_ses.webhook.dispatch`: event kind → ``handle_*`` hook and what follows;
- :mod:`~django_ses.webhook.hooks`: the overridable ``handle_*`` hooks, the signals;
- :mod:`~django_ses.webhook.received`: inbound mail handed to :mod:`django_ses.inbound`;
- :mod:`~django_ses.webhook.queueing` and :mod:`~django_ses.webhook.worker`: tasks mode;
- :mod:`~django_ses.webhook.reprocess`: the admin's "Process again";
- :mod:`~django_ses.webhook.legacy`: the deprecated ``handle_bounce`` view.

This package is lazy: the names below are imported on first access, so that
``django_ses.tasks`` can import :mod:`django_ses.webhook.worker` without the
view (which enqueues tasks) being imported back. Dotted paths such as
``django_ses.webhook.SESEventWebhookView`` (stored on queued notifications)
keep resolving.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_ses.exceptions import SubscriptionConfirmationError
    from django_ses.sns.subscription import confirm_sns_subscription
    from django_ses.webhook.config import (
        EVENT_PROCESSING_MODES,
        allowed_topic_arns,
        event_processing_mode,
        verification_enabled,
    )
    from django_ses.webhook.legacy import handle_bounce
    from django_ses.webhook.reprocess import process_again
    from django_ses.webhook.views import SESEventWebhookView
    from django_ses.webhook.worker import process_queued_event

__all__ = [
    "EVENT_PROCESSING_MODES",
    "SESEventWebhookView",
    "SubscriptionConfirmationError",
    "allowed_topic_arns",
    "confirm_sns_subscription",
    "event_processing_mode",
    "handle_bounce",
    "process_again",
    "process_queued_event",
    "verification_enabled",
]

#: Where each public name lives.
_HOMES = {
    "EVENT_PROCESSING_MODES": "django_ses.webhook.config",
    "SESEventWebhookView": "django_ses.webhook.views",
    "SubscriptionConfirmationError": "django_ses.exceptions",
    "allowed_topic_arns": "django_ses.webhook.config",
    "confirm_sns_subscription": "django_ses.sns.subscription",
    "event_processing_mode": "django_ses.webhook.config",
    "handle_bounce": "django_ses.webhook.legacy",
    "process_again": "django_ses.webhook.reprocess",
    "process_queued_event": "django_ses.webhook.worker",
    "verification_enabled": "django_ses.webhook.config",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
