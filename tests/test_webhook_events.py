"""SES events through the webhook: signals, idempotency, rollback and the blacklist.

Every event type is delivered with AWS's documented example record
(tests/fixtures/ses_events), signed as SNS signs it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from django.db import OperationalError, connection
from django.test import Client

from django_ses import signals
from django_ses.models import BlacklistedEmail, FailedInboundEmail, SNSNotification
from django_ses.views import SESEventWebhookView
from tests.sns_signing import TOPIC_ARN, shared_signer

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "ses_events"


def record(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


@pytest.fixture
def failing_receiver() -> Iterator[list[int]]:
    """A bounce receiver that raises while the list holds a 1."""
    switch = [1]

    def receiver(sender: Any, **kwargs: Any) -> None:
        if switch:
            raise RuntimeError("receiver is broken: secret detail")

    signals.bounce_received.connect(receiver, weak=False, dispatch_uid="failing-receiver")
    yield switch
    signals.bounce_received.disconnect(dispatch_uid="failing-receiver")


# fixture name -> (signal, kind keyword, key of the kind object in the record, event_type)
EVENTS = {
    "bounce": ("bounce_received", "bounce_obj", "bounce", "bounce"),
    "complaint": ("complaint_received", "complaint_obj", "complaint", "complaint"),
    "delivery": ("delivery_received", "delivery_obj", "delivery", "delivery"),
    "send": ("send_received", "send_obj", "send", "send"),
    "reject": ("reject_received", "reject_obj", "reject", "reject"),
    "open": ("open_received", "open_obj", "open", "open"),
    "click": ("click_received", "click_obj", "click", "click"),
    "rendering_failure": (
        "rendering_failure_received",
        "failure_obj",
        "failure",
        "rendering_failure",
    ),
    "delivery_delay": (
        "delivery_delay_received",
        "delivery_delay_obj",
        "deliveryDelay",
        "delivery_delay",
    ),
    "subscription": ("subscription_received", "subscription_obj", "subscription", "subscription"),
    "notification_bounce_with_dsn": ("bounce_received", "bounce_obj", "bounce", "bounce"),
    "notification_bounce_without_dsn": ("bounce_received", "bounce_obj", "bounce", "bounce"),
    "notification_complaint": ("complaint_received", "complaint_obj", "complaint", "complaint"),
    "notification_delivery": ("delivery_received", "delivery_obj", "delivery", "delivery"),
}


@pytest.mark.parametrize("name", list(EVENTS))
def test_each_event_type_fires_its_signal_and_event_received(sns, signals_sent, name):
    signal_name, keyword, key, event_type = EVENTS[name]
    raw = record(name)
    message = sns.signer.notification(raw, subject="Amazon SES Email Event Notification")
    response = sns.post(message)
    assert response.status_code == 200
    assert signals_sent.names == [signal_name, "event_received"]
    sent = signals_sent.kwargs(signal_name)
    assert sent["mail_obj"] == raw["mail"]
    assert sent[keyword] == raw[key]
    assert sent["raw_message"] == json.dumps(message).encode()
    assert sent["sender"] is SESEventWebhookView
    event = signals_sent.kwargs("event_received")["event"]
    assert event.event_type == event_type
    assert event.message_id == raw["mail"]["messageId"]
    assert event.sns_message_id == message["MessageId"]
    assert signals_sent.kwargs("event_received")["sender"] is SESEventWebhookView


def test_a_processed_notification_is_recorded(sns):
    message = sns.signer.notification(record("bounce"))
    assert sns.post(message).status_code == 200
    row = SNSNotification.objects.get()
    assert row.sns_message_id == message["MessageId"]
    assert row.sns_type == "Notification"
    assert row.topic_arn == TOPIC_ARN
    assert row.event_type == "Bounce"
    assert row.ses_message_id == record("bounce")["mail"]["messageId"]
    assert row.recipients == ["recipient@example.com"]
    assert row.payload == record("bounce")


def test_event_type_wins_over_notification_type(sns, signals_sent):
    raw = {**record("delivery"), "notificationType": "Bounce"}
    assert sns.notify(raw).status_code == 200
    assert signals_sent.names == ["delivery_received", "event_received"]


def test_an_unknown_event_type_is_acknowledged_without_signals(sns, signals_sent):
    response = sns.notify({"eventType": "Teleport", "mail": {"messageId": "m"}})
    assert response.status_code == 200
    assert signals_sent.calls == []
    assert SNSNotification.objects.get().event_type == "Teleport"


# -- once per MessageId --------------------------------------------------------------------


def test_a_redelivered_message_fires_its_signals_once(sns, signals_sent):
    message = sns.signer.notification(record("bounce"))
    assert sns.post(message).status_code == 200
    assert sns.post(message).status_code == 200
    assert signals_sent.names == ["bounce_received", "event_received"]
    assert SNSNotification.objects.count() == 1


def test_a_raising_receiver_answers_500_and_leaves_nothing_behind(
    sns, signals_sent, failing_receiver
):
    message = sns.signer.notification(record("bounce"))
    response = sns.post(message)
    assert response.status_code == 500
    assert b"Traceback" not in response.content
    assert b"secret detail" not in response.content
    assert not SNSNotification.objects.exists()
    assert "event_received" not in signals_sent.names


def test_the_retry_after_a_raising_receiver_is_processed(sns, signals_sent, failing_receiver):
    message = sns.signer.notification(record("bounce"))
    assert sns.post(message).status_code == 500
    failing_receiver.clear()
    assert sns.post(message).status_code == 200
    assert SNSNotification.objects.filter(sns_message_id=message["MessageId"]).exists()
    assert signals_sent.names.count("event_received") == 1


def test_database_writes_of_a_failed_run_are_rolled_back(sns, settings, failing_receiver):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    assert sns.notify(record("bounce")).status_code == 500
    assert not BlacklistedEmail.objects.exists()


def test_the_database_being_down_answers_503(sns, signals_sent):
    def database_down(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(database_down):
        response = sns.notify(record("bounce"))
    assert response.status_code == 503
    assert signals_sent.calls == []
    assert b"server closed" not in response.content


# -- the blacklist -------------------------------------------------------------------------


def test_permanent_bounces_are_blacklisted_when_enabled(sns, settings):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    assert sns.notify(record("bounce")).status_code == 200
    entry = BlacklistedEmail.objects.get()
    assert entry.email == "recipient@example.com"
    assert entry.reason == BlacklistedEmail.Reason.BOUNCE
    assert entry.source == record("bounce")["bounce"]["feedbackId"]


def test_bounces_are_not_blacklisted_by_default(sns):
    assert sns.notify(record("bounce")).status_code == 200
    assert not BlacklistedEmail.objects.exists()


def test_a_transient_bounce_is_not_blacklisted(sns, settings):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    raw = record("bounce")
    raw["bounce"]["bounceType"] = "Transient"
    raw["bounce"]["bouncedRecipients"][0]["status"] = "4.2.2"
    assert sns.notify(raw).status_code == 200
    assert not BlacklistedEmail.objects.exists()


def test_blacklisting_goes_by_each_recipients_status(sns, settings):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    raw = record("bounce")
    raw["bounce"]["bouncedRecipients"] = [
        {"emailAddress": "gone@example.com", "status": "5.1.1"},
        {"emailAddress": "full@example.com", "status": "4.2.2"},
    ]
    assert sns.notify(raw).status_code == 200
    assert list(BlacklistedEmail.objects.values_list("email", flat=True)) == ["gone@example.com"]


def test_without_a_status_the_bounce_type_decides(sns, settings):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    assert sns.notify(record("notification_bounce_without_dsn")).status_code == 200
    assert sorted(BlacklistedEmail.objects.values_list("email", flat=True)) == [
        "jane@example.com",
        "richard@example.com",
    ]


def test_blacklisted_addresses_are_normalised_and_written_once(sns, settings):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    raw = record("bounce")
    raw["bounce"]["bouncedRecipients"][0]["emailAddress"] = "Jane Doe <Jane.Doe@Example.COM>"
    assert sns.notify(raw).status_code == 200
    assert sns.notify(raw).status_code == 200  # the same bounce, a new SNS MessageId
    assert list(BlacklistedEmail.objects.values_list("email", flat=True)) == [
        "jane.doe@example.com"
    ]


def test_complaints_are_blacklisted_when_enabled(sns, settings):
    settings.AWS_SES_ADD_COMPLAINT_TO_BLACKLIST = True
    assert sns.notify(record("notification_complaint")).status_code == 200
    entry = BlacklistedEmail.objects.get()
    assert entry.email == "richard@example.com"
    assert entry.reason == BlacklistedEmail.Reason.COMPLAINT
    assert entry.source == record("notification_complaint")["complaint"]["feedbackId"]


def test_complaints_are_not_blacklisted_by_default(sns):
    assert sns.notify(record("complaint")).status_code == 200
    assert not BlacklistedEmail.objects.exists()


# -- overriding the view -------------------------------------------------------------------


class QuietBounces(SESEventWebhookView):
    handled: list[str] = []

    def handle_bounce(self, notification: Any, message: dict[str, Any]) -> None:
        self.handled.append(message["mail"]["messageId"])


def test_a_subclass_can_override_a_handler(rf, signals_sent):
    message = shared_signer().notification(record("bounce"))
    request = rf.post("/hook/", json.dumps(message), content_type="text/plain")
    with responses.RequestsMock() as mock:
        shared_signer().serve_certificate(mock)
        response = QuietBounces.as_view()(request)
    assert response.status_code == 200
    assert QuietBounces.handled == [record("bounce")["mail"]["messageId"]]
    assert signals_sent.calls == []


def test_signals_from_a_subclass_keep_the_same_sender(rf, signals_sent):
    class Custom(SESEventWebhookView):
        pass

    message = shared_signer().notification(record("send"))
    request = rf.post("/hook/", json.dumps(message), content_type="text/plain")
    with responses.RequestsMock() as mock:
        shared_signer().serve_certificate(mock)
        assert Custom.as_view()(request).status_code == 200
    assert signals_sent.kwargs("send_received")["sender"] is SESEventWebhookView


# -- inbound mail --------------------------------------------------------------------------


def test_received_mail_is_handed_to_inbound(sns, signals_sent):
    from tests.inbound_notifications import sns_received

    response = sns.notify(sns_received())
    assert response.status_code == 200
    assert "inbound_received" in signals_sent.names
    row = SNSNotification.objects.get()
    assert row.event_type == "Received"
    assert "content" not in row.payload


def test_a_transient_inbound_failure_answers_503_and_rolls_back(sns, signals_sent):
    from tests.inbound_notifications import sns_received

    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("inbound receiver failed")

    signals.inbound_received.connect(broken, weak=False, dispatch_uid="broken-inbound")
    try:
        response = sns.notify(sns_received())
    finally:
        signals.inbound_received.disconnect(dispatch_uid="broken-inbound")
    assert response.status_code == 503
    assert not SNSNotification.objects.exists()
    assert not FailedInboundEmail.objects.exists()


# -- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_message_delivered_twice_at_once_is_processed_once(require_postgres):
    message = shared_signer().notification(record("bounce"))
    body = json.dumps(message)
    started = threading.Event()
    calls: list[str] = []

    def slow_receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(threading.current_thread().name)
        started.set()
        time.sleep(0.5)  # hold the transaction open while the duplicate arrives

    statuses: dict[str, int] = {}

    def deliver(name: str) -> None:
        try:
            response = Client().post("/ses/event-webhook/", body, content_type="text/plain")
            statuses[name] = response.status_code
        finally:
            connection.close()

    signals.bounce_received.connect(slow_receiver, weak=False, dispatch_uid="slow-receiver")
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            shared_signer().serve_certificate(mock)
            first = threading.Thread(target=deliver, args=("first",), name="first")
            first.start()
            assert started.wait(10)
            second = threading.Thread(target=deliver, args=("second",), name="second")
            second.start()
            first.join(20)
            second.join(20)
    finally:
        signals.bounce_received.disconnect(dispatch_uid="slow-receiver")
    assert statuses == {"first": 200, "second": 200}
    assert calls == ["first"]
    assert SNSNotification.objects.filter(sns_message_id=message["MessageId"]).count() == 1


def test_nul_characters_in_a_record_are_stored_without_failing(sns, signals_sent):
    raw = record("send")
    raw["mail"]["commonHeaders"]["subject"] = "Hello\x00world"
    raw["mail"]["destination"] = ["to\x00@example.com"]
    assert sns.notify(raw).status_code == 200
    row = SNSNotification.objects.get()
    assert row.payload["mail"]["commonHeaders"]["subject"] == "Helloworld"
    assert row.recipients == ["to@example.com"]
    assert signals_sent.kwargs("send_received")["mail_obj"]["commonHeaders"]["subject"] == (
        "Hello\x00world"
    )
