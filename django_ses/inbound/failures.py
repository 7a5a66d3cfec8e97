"""Store a received message that can never be handled as a ``FailedInboundEmail``.

The only writer of :class:`~django_ses.models.FailedInboundEmail`: the reason,
the SES and SNS ids, where S3 kept the message, the raw message when there is
one and the notification itself, so a person can find the mail and act on it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import DatabaseError, transaction

from django_ses.exceptions import InboundTransientError

__all__ = ["record_failure", "storable_json"]

logger = logging.getLogger(__name__)


def record_failure(
    reason: str,
    notification: dict[str, Any],
    *,
    sns_message_id: str,
    raw_message: bytes | None = None,
) -> None:
    """Store a permanent failure so a person can find the mail, and log it at ERROR.

    Raises :class:`~django_ses.exceptions.InboundTransientError` when the
    database can't store it: SNS then delivers the notification again.
    """
    # app loading: django_ses.inbound is importable before the app registry is ready.
    from django_ses.models import FailedInboundEmail

    mail_obj = notification.get("mail")
    receipt = notification.get("receipt")
    action = receipt.get("action") if isinstance(receipt, dict) else None
    action = action if isinstance(action, dict) else {}
    ses_message_id = str(mail_obj.get("messageId") or "") if isinstance(mail_obj, dict) else ""
    try:
        with transaction.atomic():
            failure = FailedInboundEmail.objects.create(
                sns_message_id=sns_message_id[:128],
                ses_message_id=ses_message_id[:255],
                action_type=str(action.get("type") or "")[:20],
                bucket_name=str(action.get("bucketName") or "")[:255],
                object_key=str(action.get("objectKey") or "")[:1024],
                reason=reason,
                raw_message=raw_message,
                notification=storable_json(notification),
            )
    except DatabaseError as exc:
        raise InboundTransientError(
            f"Inbound mail {ses_message_id} failed ({reason}) and could not be stored: {exc}"
        ) from exc
    logger.error(
        "Inbound mail %s could not be handled and was stored as FailedInboundEmail %s: %s",
        ses_message_id or sns_message_id,
        failure.pk,
        reason,
    )


def storable_json(value: dict[str, Any]) -> Any:
    """``value`` without what PostgreSQL's jsonb refuses (NUL characters, lone surrogates)."""
    text = json.dumps(value, ensure_ascii=False).replace("\\u0000", "\ufffd")
    return json.loads(text.encode("utf-8", "replace").decode("utf-8"))
