"""Deletes old send-log rows in batches, each in its own short transaction.

A batch is at most ``batch_size`` messages (by primary key, oldest first):
their events, their recipients, then the messages, three ``DELETE`` statements
on indexed columns. No statement holds locks for long, and sending and the
webhook keep writing while the prune runs.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from django_ses.send_log.models import SentMessage, SentMessageEvent, SentRecipient

__all__ = ["BATCH_SIZE", "prune"]

BATCH_SIZE = 1000


def prune(cutoff: dt.datetime, *, batch_size: int = BATCH_SIZE, dry_run: bool = False) -> int:
    """Delete the messages sent before ``cutoff`` (with their rows); return how many."""
    old = SentMessage.objects.filter(sent_at__lt=cutoff)
    if dry_run:
        return int(old.count())
    deleted = 0
    while True:
        batch = list(old.order_by("pk").values_list("pk", "message_id")[:batch_size])
        if not batch:
            return deleted
        ids = [message_id for _, message_id in batch]
        with transaction.atomic():
            SentMessageEvent.objects.filter(message_id__in=ids).delete()
            SentRecipient.objects.filter(message_id__in=ids).delete()
            SentMessage.objects.filter(pk__in=[pk for pk, _ in batch]).delete()
        deleted += len(batch)
