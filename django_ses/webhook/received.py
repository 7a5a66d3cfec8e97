"""Inbound mail (``notificationType: Received``) in the webhook, for :mod:`django_ses.inbound`.

The request pipeline calls :func:`before_transaction` for inbound mail before
the ledger's transaction opens: it reads the mail (decoded from the SNS
message, or downloaded from S3: up to 40 MB) with
:func:`~django_ses.inbound.fetch_received`, which touches no database. The
``handle_received`` hook then calls :func:`deliver` inside the transaction,
which hands what was read to :func:`~django_ses.inbound.dispatch_fetched`.
A redelivered message is read again before the ledger finds it processed:
reading is idempotent, so the only cost is the download.

In the ``process_ses_event`` task nothing was read beforehand, and
:func:`deliver` reads and dispatches in one go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django_ses.inbound import FetchedMail, dispatch_fetched, fetch_received

__all__ = ["before_transaction", "deliver"]


def before_transaction(notification: Mapping[str, Any], message: dict[str, Any]) -> FetchedMail:
    """Read one inbound message before the ledger's transaction opens (no database)."""
    return fetch_received(
        message, sns_message_id=notification["MessageId"], topic_arn=notification["TopicArn"]
    )


def deliver(
    notification: Mapping[str, Any],
    message: dict[str, Any],
    fetched: FetchedMail | None = None,
) -> None:
    """Dispatch one inbound message: ``fetched`` when it was read for this notification."""
    if fetched is None or fetched.sns_message_id != notification["MessageId"]:
        fetched = before_transaction(notification, message)
    dispatch_fetched(fetched)
