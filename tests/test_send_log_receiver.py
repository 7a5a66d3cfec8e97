"""send_log.receiver: SES events, delivered to the webhook signed as SNS signs them, fill the log.

A message is sent through SESBackend to the local SES; the events about its SES
message id arrive at the webhook; each adds an event row and moves its
recipients' states forward, never backwards.
"""

from __future__ import annotations

import json

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_ses import SESBackend
from django_ses.events import normalize_event
from django_ses.models import SentMessageEvent, SentRecipient
from django_ses.send_log.receiver import record_event
from django_ses.tasks_compat import tasks_module
from tests.send_log_events import ses_event

FRAMEWORK = tasks_module()
ALICE, BOB = "alice@example.com", "bob@example.com"


@pytest.fixture
def send_log(settings):
    settings.AWS_SES_SEND_LOG = True


@pytest.fixture
def sent(aws, ses_identity, send_log) -> str:
    """The SES message id of a message sent to Alice and Bob."""
    msg = EmailMessage("Hello", "Body", "sender@example.com", to=[ALICE, BOB])
    SESBackend().send_messages([msg])
    return str(msg.ses_status.message_id)


def state(recipient: str) -> tuple[str, str]:
    row = SentRecipient.objects.get(recipient=recipient)
    return row.state, row.detail


@pytest.mark.django_db
def test_send_then_delivery_moves_each_recipient_and_adds_the_events(sns, sent):
    assert sns.notify(ses_event("send", sent, [ALICE, BOB])).status_code == 200
    assert sns.notify(ses_event("delivery", sent, [ALICE])).status_code == 200

    assert state(ALICE) == ("delivered", "")
    assert state(BOB) == ("sent", "")
    events = list(SentMessageEvent.objects.filter(message_id=sent))
    assert [(e.event_type, e.recipients) for e in events] == [
        ("send", [ALICE, BOB]),
        ("delivery", [ALICE]),
    ]
    assert events[1].raw["eventType"] == "Delivery"
    assert events[1].sns_message_id


@pytest.mark.django_db
def test_a_late_delivery_never_overwrites_a_bounce(sns, sent):
    bounce = ses_event(
        "bounce", sent, [ALICE], at="2024-05-01T10:00:05.000Z", bounceSubType="NoEmail"
    )
    sns.notify(bounce)
    sns.notify(ses_event("delivery", sent, [ALICE], at="2024-05-01T10:00:01.000Z"))

    assert state(ALICE) == ("bounced", "Permanent/NoEmail")
    row = SentRecipient.objects.get(recipient=ALICE)
    assert row.last_event_type == "bounce"
    assert row.last_event_at.isoformat() == "2024-05-01T10:00:05+00:00"
    assert SentMessageEvent.objects.filter(message_id=sent).count() == 2


@pytest.mark.django_db
def test_a_complaint_after_a_delivery_and_an_open_wins(sns, sent):
    for name in ("delivery", "open", "complaint", "click"):
        sns.notify(ses_event(name, sent, [ALICE]))

    assert state(ALICE)[0] == "complained"


@pytest.mark.django_db
def test_a_bounce_because_of_the_suppression_list_is_shown_as_suppressed(sns, sent):
    sns.notify(ses_event("bounce", sent, [BOB], bounceSubType="OnAccountSuppressionList"))

    assert state(BOB) == ("suppressed", "Permanent/OnAccountSuppressionList")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("send", "sent"),
        ("delivery", "delivered"),
        ("bounce", "bounced"),
        ("complaint", "complained"),
        ("reject", "rejected"),
        ("delivery_delay", "delayed"),
        ("open", "opened"),
        ("click", "clicked"),
        ("rendering_failure", "rendering_failed"),
        ("subscription", "unsubscribed"),
    ],
)
def test_every_event_type_adds_an_event_row_and_sets_its_state(sns, sent, name, expected):
    assert sns.notify(ses_event(name, sent, [ALICE])).status_code == 200

    (event,) = SentMessageEvent.objects.all()
    assert (event.event_type, event.state) == (name, expected)
    assert state(ALICE)[0] == expected


@pytest.mark.django_db
def test_events_for_messages_not_in_the_log_are_ignored(sns, sent):
    assert sns.notify(ses_event("delivery", "not-ours-000000", [ALICE])).status_code == 200

    assert not SentMessageEvent.objects.exists()
    assert state(ALICE)[0] == "accepted"


@pytest.mark.django_db
def test_an_unknown_message_costs_one_statement_and_a_known_one_two(sent):
    unknown = normalize_event(ses_event("delivery", "not-ours-000000", [ALICE]))
    known = normalize_event(ses_event("delivery", sent, [ALICE]))

    with CaptureQueriesContext(connection) as ignored:
        assert record_event(unknown) is False
    with CaptureQueriesContext(connection) as recorded:
        assert record_event(known) is True

    assert [q["sql"].split()[0] for q in ignored.captured_queries] == ["UPDATE"]
    assert [q["sql"].split()[0] for q in recorded.captured_queries] == ["UPDATE", "INSERT"]


@pytest.mark.django_db
def test_with_hashing_events_find_their_recipient_and_store_no_address(sns, settings, sent):
    # The rows were written with addresses; a project that hashes from the start:
    SentRecipient.objects.all().delete()
    settings.AWS_SES_SEND_LOG_HASH_RECIPIENTS = True
    msg = EmailMessage("Hello", "Body", "sender@example.com", to=[ALICE])
    SESBackend().send_messages([msg])
    message_id = str(msg.ses_status.message_id)

    sns.notify(ses_event("bounce", message_id, [ALICE]))

    (row,) = SentRecipient.objects.filter(message_id=message_id)
    assert row.state == "bounced"
    (event,) = SentMessageEvent.objects.filter(message_id=message_id)
    assert ALICE not in json.dumps(event.raw)
    assert event.recipients == [row.recipient]


@pytest.mark.django_db
def test_when_the_log_is_turned_off_events_no_longer_write(sns, settings, sent):
    settings.AWS_SES_SEND_LOG = False

    sns.notify(ses_event("delivery", sent, [ALICE]))

    assert not SentMessageEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_events_processed_in_a_task_fill_the_same_log(sns, settings, sent):
    settings.AWS_SES_EVENT_PROCESSING = "tasks"
    settings.TASKS = {
        "default": {"BACKEND": f"{FRAMEWORK.__name__}.backends.immediate.ImmediateBackend"}
    }

    assert sns.notify(ses_event("delivery", sent, [BOB])).status_code == 200

    assert state(BOB)[0] == "delivered"
    assert SentMessageEvent.objects.get().event_type == "delivery"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("subtype", "flag"), [("OnAccountSuppressionList", True), ("General", False)]
)
def test_the_bounce_signal_says_whether_the_suppression_list_caused_it(
    sns, signals_sent, subtype, flag
):
    sns.notify(ses_event("bounce", "any-000000", [ALICE], bounceSubType=subtype))

    assert signals_sent.kwargs("bounce_received")["on_suppression_list"] is flag
    assert signals_sent.kwargs("event_received")["event"].on_suppression_list is flag
