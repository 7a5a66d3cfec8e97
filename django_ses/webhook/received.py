"""Inbound mail (``notificationType: Received``) in the webhook, for :mod:`django_ses.inbound`.

The request pipeline calls :func:`before_transaction` for inbound mail before
the ledger's transaction opens, and the ``handle_received`` hook calls
:func:`deliver` inside it. ``before_transaction`` is the one place where the
inbound content (decoded, or downloaded from S3: up to 40 MB) is to be fetched
without holding a database transaction, once :mod:`django_ses.inbound` splits
its work into a fetch (no database) and a dispatch of what was fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django_ses.inbound import dispatch_received

__all__ = ["before_transaction", "deliver"]


def before_transaction(notification: Mapping[str, Any], message: Mapping[str, Any]) -> None:
    """Work on inbound mail that must run before the ledger's transaction opens.

    Today there is none: :func:`deliver` fetches and dispatches in the
    transaction. The fetch moves here (and its result to :func:`deliver`).
    """


def deliver(notification: Mapping[str, Any], message: dict[str, Any]) -> None:
    """Hand one inbound message to :func:`django_ses.inbound.dispatch_received`."""
    dispatch_received(
        message,
        sns_message_id=notification["MessageId"],
        topic_arn=notification["TopicArn"],
    )
