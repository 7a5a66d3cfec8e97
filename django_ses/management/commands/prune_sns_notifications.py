"""Delete old SNS notification records (the webhook's idempotency log)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from django_ses.management.commands._output import VerboseCommand, counted
from django_ses.models import SNSNotification

DEFAULT_DAYS = 30
BATCH_SIZE = 1000


class Command(VerboseCommand):
    help = (
        "Delete SNSNotification records processed more than --days days ago. A message SNS "
        "delivers again after its record was deleted is processed again, so keep more days "
        "than your SNS delivery policy retries for."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=str,
            default=str(DEFAULT_DAYS),
            help=f"Keep records processed within this many days (default {DEFAULT_DAYS}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the records that would be deleted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = _positive_days(options["days"])
        cutoff = timezone.now() - dt.timedelta(days=days)
        # Queued and failed events (AWS_SES_EVENT_PROCESSING = "tasks") are kept.
        old = SNSNotification.objects.filter(
            processed_at__lt=cutoff, status=SNSNotification.Status.PROCESSED
        )
        older = f"older than {counted(days, 'day', 'days')}"
        if options["dry_run"]:
            self.say(f"{_records(old.count())} {older} would be deleted.")
            return
        deleted = 0
        while True:
            batch = list(old.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
            if not batch:
                break
            count, _ = SNSNotification.objects.filter(pk__in=batch).delete()
            deleted += count
        self.say(f"Deleted {_records(deleted)} {older}.")


def _records(count: int) -> str:
    return counted(count, "SNS notification record", "SNS notification records")


def _positive_days(value: object) -> int:
    try:
        days = int(str(value).strip())
    except ValueError:
        raise CommandError(f"--days must be a whole number of days, not {value!r}.") from None
    if days < 1:
        raise CommandError(f"--days must be at least 1, not {days}.")
    return days
