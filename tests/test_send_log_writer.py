"""send_log.writer: what the send log records when SES accepts messages, and what it costs.

Messages go out through SESBackend (and QueuedSESBackend) to the local SES; the
log is read back from the database.
"""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_ses import QueuedSESBackend, SESBackend
from django_ses.models import SentMessage, SentRecipient
from django_ses.tasks_compat import tasks_module
from tests.ses_templates import LocalTemplates

pytestmark = pytest.mark.django_db

FRAMEWORK = tasks_module()


@pytest.fixture
def send_log(settings):
    settings.AWS_SES_SEND_LOG = True


def message(to=("alice@example.com",), **kwargs) -> EmailMessage:
    return EmailMessage("Hello", "Body", "sender@example.com", to=list(to), **kwargs)


def inserts(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]


def test_the_log_is_off_by_default_and_writes_nothing(aws, ses_identity):
    with CaptureQueriesContext(connection) as queries:
        assert SESBackend().send_messages([message()]) == 1

    assert queries.captured_queries == []
    assert not SentMessage.objects.exists()


def test_an_accepted_message_gets_one_row_with_its_recipients(aws, ses_identity, send_log):
    msg = message(
        to=["Alice <Alice@Example.com>"],
        cc=["bob@example.com"],
        headers={"X-SES-CONFIGURATION-SET": "marketing"},
    )
    msg.ses_tags = {"campaign": "spring"}

    SESBackend().send_messages([msg])

    row = SentMessage.objects.get()
    assert row.message_id == msg.ses_status.message_id
    assert row.from_email == "sender@example.com"
    assert row.subject == "Hello"
    assert row.recipients == ["alice@example.com", "bob@example.com"]
    assert row.tags == {"campaign": "spring"}
    assert row.configuration_set == "marketing"
    assert row.queued is False
    states = SentRecipient.objects.filter(message=row).order_by("recipient")
    assert [(s.recipient, s.state) for s in states] == [
        ("alice@example.com", "accepted"),
        ("bob@example.com", "accepted"),
    ]


def test_a_message_sent_in_several_calls_gets_one_row_per_ses_message_id(
    aws, ses_identity, send_log
):
    addresses = [f"user{i}@example.org" for i in range(120)]
    msg = message(to=[], bcc=addresses)

    SESBackend().send_messages([msg])

    rows = list(SentMessage.objects.order_by("pk"))
    assert [r.message_id for r in rows] == list(msg.ses_status.message_ids)
    assert [len(r.recipients) for r in rows] == [50, 50, 20]
    assert [k for r in rows for k in r.recipients] == addresses
    assert SentRecipient.objects.count() == 120


def test_a_batch_is_written_in_one_insert_per_table_whatever_its_size(aws, ses_identity, send_log):
    with CaptureQueriesContext(connection) as one:
        SESBackend().send_messages([message()])
    with CaptureQueriesContext(connection) as many:
        SESBackend().send_messages([message(to=[f"u{i}@example.org"]) for i in range(30)])

    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(inserts(many)) == 2
    assert SentMessage.objects.count() == 31


def test_messages_that_were_not_accepted_are_not_logged(aws, ses_identity, send_log):
    aws.fail("ses", "SendRawEmail", "MessageRejected", "Email address is not verified.")

    SESBackend(fail_silently=True).send_messages([message()])

    assert not SentMessage.objects.exists()


def test_with_hashing_no_address_is_stored(aws, ses_identity, send_log, settings):
    settings.AWS_SES_SEND_LOG_HASH_RECIPIENTS = True

    SESBackend().send_messages([message(to=["alice@example.com"])])

    row = SentMessage.objects.get()
    (key,) = row.recipients
    assert len(key) == 64 and "@" not in key
    assert SentRecipient.objects.get().recipient == key


def test_a_bulk_templated_message_is_logged_per_destination_message_id(aws, ses_identity, send_log):
    local = LocalTemplates(aws).install()
    local.templates["welcome"] = {"Subject": "Hi {{name}}", "Text": "Hello {{name}}"}
    msg = EmailMessage(from_email="sender@example.com", to=["alice@example.com", "bob@example.com"])
    msg.ses_template = "welcome"
    msg.ses_recipient_data = {"alice@example.com": {"name": "A"}, "bob@example.com": {"name": "B"}}

    SESBackend(use_ses_v2=True).send_messages([msg])

    by_id = {d.message_id: [d.destination] for d in msg.ses_status.destinations}
    rows = {r.message_id: r.recipients for r in SentMessage.objects.all()}
    assert rows == by_id and len(rows) == 2
    assert set(SentMessage.objects.values_list("template", flat=True)) == {"welcome"}


def test_a_queued_message_is_logged_by_the_worker(aws, ses_identity, send_log, settings):
    settings.TASKS = {
        "default": {"BACKEND": f"{FRAMEWORK.__name__}.backends.immediate.ImmediateBackend"}
    }
    msg = message(to=["alice@example.com"], headers={"X-SES-CONFIGURATION-SET": "queued-set"})
    msg.ses_tags = {"kind": "receipt"}

    assert QueuedSESBackend().send_messages([msg]) == 1

    row = SentMessage.objects.get()
    assert [row.message_id] == msg.ses_task_result.return_value["message_ids"]
    assert (row.queued, row.recipients, row.tags) == (
        True,
        ["alice@example.com"],
        {"kind": "receipt"},
    )
    assert row.configuration_set == "queued-set"
