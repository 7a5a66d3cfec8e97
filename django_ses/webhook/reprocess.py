"""The admin's "Process again": queue a ``failed`` or ``queued`` notification's task again."""

from __future__ import annotations

import json

from django.db import router, transaction

from django_ses.models import SNSNotification
from django_ses.tasks import get_event_task
from django_ses.webhook.queueing import enqueue_with_row, task_arguments

__all__ = ["process_again"]

_RETRY = (SNSNotification.Status.FAILED, SNSNotification.Status.QUEUED)


def process_again(notification: SNSNotification) -> bool:
    """Queue a ``failed`` or ``queued`` :class:`~django_ses.models.SNSNotification` again.

    Returns ``False`` when the row is neither (any more) or does not hold the
    message it came in.
    """
    try:
        envelope = json.loads(notification.raw_message)
    except ValueError:
        return False
    if not isinstance(envelope, dict) or envelope.get("MessageId") != notification.sns_message_id:
        return False
    task = get_event_task()
    arguments = task_arguments(envelope, notification.raw_message, notification.view_path)
    using = notification._state.db or router.db_for_write(SNSNotification)
    with transaction.atomic(using=using):
        updated = (
            SNSNotification.objects.using(using)
            .filter(pk=notification.pk, status__in=_RETRY)
            .update(status=SNSNotification.Status.QUEUED, error="")
        )
        if not updated:
            return False
        enqueue_with_row(task, arguments, using)
    return True
