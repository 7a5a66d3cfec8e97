"""manage.py prune_ses_send_log: old messages go, with their recipients and events, in batches."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_ses.models import SentMessage, SentMessageEvent, SentRecipient

pytestmark = pytest.mark.django_db


def logged(message_id: str, days_ago: int) -> None:
    row = SentMessage.objects.create(
        message_id=message_id, sent_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    SentRecipient.objects.create(message=row, recipient="a@example.com")
    SentMessageEvent.objects.create(message=row, event_type="delivery")


def prune(*args: str) -> str:
    out = io.StringIO()
    call_command("prune_ses_send_log", *args, stdout=out)
    return out.getvalue()


def test_messages_older_than_the_retention_setting_are_deleted_with_their_rows(settings):
    settings.AWS_SES_SEND_LOG_RETENTION_DAYS = 30
    for i in range(5):
        logged(f"old-{i}", days_ago=40)
    logged("recent", days_ago=1)

    assert prune("--batch-size", "2") == "5 sent messages older than 30 days deleted.\n"

    assert list(SentMessage.objects.values_list("message_id", flat=True)) == ["recent"]
    assert SentRecipient.objects.count() == SentMessageEvent.objects.count() == 1


def test_days_and_dry_run(settings):
    logged("old", days_ago=10)

    assert (
        prune("--days", "5", "--dry-run") == "1 sent message older than 5 days would be deleted.\n"
    )
    assert SentMessage.objects.count() == 1


@pytest.mark.parametrize("args", [["--days", "0"], ["--days", "x"], ["--batch-size", "0"]])
def test_bad_input_is_a_command_error(args):
    with pytest.raises(CommandError):
        prune(*args)


def test_a_retention_of_none_needs_days(settings):
    settings.AWS_SES_SEND_LOG_RETENTION_DAYS = None
    with pytest.raises(CommandError, match="pass --days"):
        prune()
