"""The idempotency ledger: one :class:`~django_ses.models.SNSNotification` per SNS ``MessageId``.

:func:`record_once` is the one insert-or-stop-on-duplicate: inside one
transaction the row is inserted first (its unique ``sns_message_id`` makes a
concurrent duplicate wait, then fail), then the caller's work runs, and both
commit together. Any failure rolls the row back, so SNS's retry is processed
again. The other functions move a queued row to ``processed`` or ``failed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.db import DatabaseError, IntegrityError, router, transaction
from django.utils import timezone

from django_ses.events import event_kind_for, normalize_event, ses_event_type
from django_ses.models import SNSNotification
from django_ses.webhook.sanitize import loggable, storable

logger = logging.getLogger(__name__)

__all__ = [
    "database",
    "lock_queued",
    "mark_failed",
    "mark_processed",
    "notification_record",
    "record_once",
]


def database() -> str:
    """The database alias the ledger is written to."""
    return str(router.db_for_write(SNSNotification))


def notification_record(
    notification: Mapping[str, Any], message: Mapping[str, Any]
) -> dict[str, Any]:
    """The :class:`~django_ses.models.SNSNotification` fields for one notification."""
    ses_type = ses_event_type(message) or ""
    mail = message.get("mail")
    mail = mail if isinstance(mail, Mapping) else {}
    ses_message_id = mail.get("messageId")
    payload = dict(message)
    recipients: list[str] = []
    if ses_type == "Received":
        payload.pop("content", None)  # the mail itself is large; inbound keeps it
        receipt = message.get("receipt")
        found = receipt.get("recipients") if isinstance(receipt, Mapping) else None
        recipients = [r for r in found if isinstance(r, str)] if isinstance(found, list) else []
    elif event_kind_for(ses_type) is not None:
        recipients = normalize_event(message).recipients
    record = {
        "sns_message_id": notification["MessageId"],
        "sns_type": notification["Type"][:40],
        "topic_arn": notification["TopicArn"][:255],
        "event_type": ses_type[:40],
        "ses_message_id": ses_message_id[:255] if isinstance(ses_message_id, str) else "",
        "recipients": recipients,
        "payload": payload,
    }
    return {key: storable(value) for key, value in record.items()}


def record_once(record: Mapping[str, Any], then: Callable[[str], None]) -> bool:
    """Insert ``record`` and run ``then(database alias)`` in one transaction.

    Returns ``False``, running nothing, when the ``MessageId`` is already recorded.
    """
    using = database()
    with transaction.atomic(using=using):
        try:
            with transaction.atomic(using=using):
                SNSNotification.objects.using(using).create(**record)
        except IntegrityError:
            return False
        then(using)
    return True


def lock_queued(using: str, sns_message_id: str) -> SNSNotification | None:
    """The row of ``sns_message_id``, locked until the transaction ends (``None`` if missing)."""
    rows = SNSNotification.objects.using(using).select_for_update()
    row: SNSNotification | None = rows.filter(sns_message_id=sns_message_id).first()
    return row


def mark_processed(row: SNSNotification) -> None:
    """Mark a locked row ``processed``; it no longer needs the raw message."""
    row.status = str(SNSNotification.Status.PROCESSED)
    row.error = ""
    row.raw_message = ""
    row.processed_at = timezone.now()
    row.save(update_fields=["status", "error", "raw_message", "processed_at"])


def mark_failed(using: str, sns_message_id: str, error: str) -> None:
    """Mark the row ``failed`` with ``error``, unless it was processed; never raises."""
    try:
        SNSNotification.objects.using(using).filter(sns_message_id=sns_message_id).exclude(
            status=SNSNotification.Status.PROCESSED
        ).update(status=SNSNotification.Status.FAILED, error=error)
    except DatabaseError:
        logger.exception(
            "Could not mark the SNS notification failed (MessageId=%s)", loggable(sns_message_id)
        )
