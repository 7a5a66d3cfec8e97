"""``manage.py prune_sns_notifications``: deleting old idempotency records."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_ses.models import SNSNotification

pytestmark = pytest.mark.django_db


def notification(message_id: str, age_days: float) -> SNSNotification:
    return SNSNotification.objects.create(
        sns_message_id=message_id,
        sns_type="Notification",
        processed_at=timezone.now() - dt.timedelta(days=age_days),
    )


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_sns_notifications", *args, stdout=out)
    return out.getvalue()


def remaining() -> list[str]:
    return sorted(SNSNotification.objects.values_list("sns_message_id", flat=True))


def test_records_older_than_the_default_30_days_are_deleted():
    notification("old", 31)
    notification("recent", 29)
    assert "Deleted 1 " in prune()
    assert remaining() == ["recent"]


def test_days_sets_the_cutoff():
    notification("a", 8)
    notification("b", 6)
    prune("--days", "7")
    assert remaining() == ["b"]


def test_dry_run_deletes_nothing():
    notification("old", 100)
    assert "1 SNS notification record older than 7 days would be deleted." in prune(
        "--days", "7", "--dry-run"
    )
    assert remaining() == ["old"]


def test_many_records_are_deleted_in_batches():
    SNSNotification.objects.bulk_create(
        SNSNotification(
            sns_message_id=f"m-{i}",
            sns_type="Notification",
            processed_at=timezone.now() - dt.timedelta(days=90),
        )
        for i in range(2500)
    )
    assert "Deleted 2500 " in prune()
    assert remaining() == []


@pytest.mark.parametrize("days", ["0", "-3", "seven", "1.5", ""])
def test_bad_days_raise_a_command_error(days):
    notification("old", 100)
    with pytest.raises(CommandError, match="--days"):
        prune("--days", days)
    assert remaining() == ["old"]
