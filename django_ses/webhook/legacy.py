"""``handle_bounce``: django-ses's function view, deprecated, kept as the event view.

It behaves as :class:`~django_ses.webhook.views.SESEventWebhookView`
(verification, idempotency, every event type) and sends signals with
``sender=handle_bounce``. It never re-subscribes on an ``UnsubscribeConfirmation``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from django_ses import utils
from django_ses.deprecation import RemovedInDjangoSES20Warning
from django_ses.sns.signature import verify_bounce_message
from django_ses.webhook.views import SESEventWebhookView

__all__ = ["handle_bounce"]


class _LegacyBounceView(SESEventWebhookView):
    """``handle_bounce``'s behaviour: the event view, with ``handle_bounce`` as sender."""

    def get_signal_sender(self) -> Any:
        return handle_bounce

    def verify_event_message(self, notification: Mapping[str, Any]) -> bool:
        # Test suites written for django-ses patch utils.verify_bounce_message.
        if utils.verify_bounce_message is not verify_bounce_message:
            return bool(utils.verify_bounce_message(notification))
        return bool(utils.verify_event_message(notification))


_legacy_bounce_view = _LegacyBounceView.as_view()


@csrf_exempt
@login_not_required
@transaction.non_atomic_requests
def handle_bounce(request: HttpRequest) -> HttpResponseBase:
    """Deprecated: route SNS to :class:`SESEventWebhookView` instead.

    Behaves as that view (verification, idempotency, every event type) and
    sends signals with ``sender=handle_bounce``. It never re-subscribes on an
    ``UnsubscribeConfirmation``.
    """
    warnings.warn(
        "django_ses.views.handle_bounce is deprecated; route SNS to SESEventWebhookView.",
        RemovedInDjangoSES20Warning,
        stacklevel=2,
    )
    response: HttpResponseBase = _legacy_bounce_view(request)
    return response
