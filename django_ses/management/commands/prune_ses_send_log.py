"""Delete old send-log rows (messages, recipients' states and events), in batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from django_ses.management.commands._output import VerboseCommand, counted
from django_ses.send_log.config import retention_days
from django_ses.send_log.prune import BATCH_SIZE, prune


class Command(VerboseCommand):
    help = (
        "Delete the send log's messages sent more than --days days ago (default: "
        "AWS_SES_SEND_LOG_RETENTION_DAYS), with their recipients and events, in batches."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=str, default=None, help="Keep messages sent within this many days."
        )
        parser.add_argument(
            "--batch-size",
            type=str,
            default=str(BATCH_SIZE),
            help=f"Messages deleted per transaction (default {BATCH_SIZE}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the messages to delete."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] is None:
            days = retention_days()
            if days is None:
                raise CommandError(
                    "AWS_SES_SEND_LOG_RETENTION_DAYS is None (keep forever): pass --days."
                )
        else:
            days = _positive(options["days"], "--days")
        batch_size = _positive(options["batch_size"], "--batch-size")
        cutoff = timezone.now() - dt.timedelta(days=days)
        count = prune(cutoff, batch_size=batch_size, dry_run=options["dry_run"])
        verb = "would be deleted" if options["dry_run"] else "deleted"
        self.say(
            f"{counted(count, 'sent message', 'sent messages')} older than "
            f"{counted(days, 'day', 'days')} {verb}."
        )


def _positive(value: object, flag: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CommandError(f"{flag} must be a whole number, not {value!r}.") from None
    if number < 1:
        raise CommandError(f"{flag} must be at least 1, not {number}.")
    return number
