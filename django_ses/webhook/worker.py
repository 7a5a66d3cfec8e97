"""The ``process_ses_event`` task's work: process one notification the webhook queued.

The task names the webhook view class (``view_path``, also stored on the row)
whose ``handle_*`` hooks and signal sender are used, as in the request. The
class is looked up by that dotted path, so this module imports neither the
view nor :mod:`django_ses.tasks` (which imports this module).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import import_string

from django_ses.models import SNSNotification
from django_ses.sns.envelope import load_json_object
from django_ses.webhook import ledger
from django_ses.webhook.hooks import EventHooks
from django_ses.webhook.sanitize import error_text, loggable

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_VIEW_PATH", "process_queued", "process_queued_event", "webhook_view_class"]

#: The view class of a queued event that names none.
DEFAULT_VIEW_PATH = "django_ses.webhook.views.SESEventWebhookView"


def process_queued_event(
    notification: Mapping[str, Any], *, raw_message: str = "", view_path: str = ""
) -> dict[str, Any]:
    """Process one queued notification with the hooks of the view class ``view_path``."""
    view = webhook_view_class(view_path)()
    view.queued_raw_body = raw_message.encode("utf-8")
    return process_queued(view, notification)


def webhook_view_class(path: str) -> type[EventHooks]:
    """The webhook view class named ``path`` (an ``SESEventWebhookView``)."""
    try:
        found = import_string(path or DEFAULT_VIEW_PATH)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"The queued SES event names the webhook view {path!r}, which cannot be "
            f"imported: {error}"
        ) from error
    if not (isinstance(found, type) and issubclass(found, EventHooks)):
        raise ImproperlyConfigured(
            f"The queued SES event names {path!r}, which is not an SESEventWebhookView."
        )
    return found


def process_queued(view: EventHooks, notification: Mapping[str, Any]) -> dict[str, Any]:
    """Run the hook of a queued notification and mark its row ``processed``.

    In one transaction, as the request does inline. A hook that raises rolls its
    writes back, marks the row ``failed`` with the error and re-raises. A row
    already ``processed`` is not processed again.
    """
    message = load_json_object(notification["Message"], what="SNS Message")
    sns_message_id = notification["MessageId"]
    using = ledger.database()
    try:
        with transaction.atomic(using=using):
            row = ledger.lock_queued(using, sns_message_id)
            if row is None or row.status == str(SNSNotification.Status.PROCESSED):
                logger.info(
                    "Queued SNS notification not processed: it is %s (MessageId=%s)",
                    "unknown" if row is None else "already processed",
                    loggable(sns_message_id),
                )
                return {
                    "sns_message_id": sns_message_id,
                    "status": "missing" if row is None else "already processed",
                }
            view.get_event_handler(message)(notification, message)
            ledger.mark_processed(row)
    except Exception as exc:
        ledger.mark_failed(using, sns_message_id, error_text(exc))
        raise
    return {"sns_message_id": sns_message_id, "status": "processed"}
