"""``manage.py ses_events_consume``: SES events from SQS, handled exactly as the webhook does.

Against moto's SQS and SNS over HTTP: signed SNS envelopes written to a queue
as SNS writes them, and SNS's own delivery to a subscribed queue with raw
message delivery on.
"""

from __future__ import annotations

import io
import json
import re
import signal
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import responses
from django.core.management import CommandError, call_command
from django.db import connection

from django_ses import signals
from django_ses.aws.clients import clear_clients
from django_ses.checks.sqs import check_sqs
from django_ses.events import EVENT_KINDS
from django_ses.models import SNSNotification
from django_ses.sqs.handling import Verdict, handle_body
from django_ses.webhook.views import SESEventWebhookView
from tests.sns_signing import SNSSigner, shared_signer
from tests.test_webhook_events import record

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURE_OF_KIND = {
    "bounce": "bounce",
    "complaint": "complaint",
    "delivery": "delivery",
    "send": "send",
    "reject": "reject",
    "open": "open",
    "click": "click",
    "rendering_failure": "rendering_failure",
    "delivery_delay": "delivery_delay",
    "subscription": "subscription",
}


@pytest.fixture
def sqs(aws) -> Any:
    return boto3.client("sqs", region_name="us-east-1", endpoint_url=aws.url)


@pytest.fixture
def queue(sqs) -> str:
    return str(sqs.create_queue(QueueName="ses-events")["QueueUrl"])


@pytest.fixture
def signer() -> Iterator[SNSSigner]:
    """The test signer, its certificate served at Amazon's URL (only that URL answers)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        signer = shared_signer()
        signer.serve_certificate(mock)
        yield signer


def put(sqs: Any, queue: str, body: Any) -> None:
    sqs.send_message(
        QueueUrl=queue, MessageBody=body if isinstance(body, str) else json.dumps(body)
    )


def left_in(sqs: Any, queue: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def consume(queue: str, *args: str, verbosity: int = 1) -> str:
    out = io.StringIO()
    call_command(
        "ses_events_consume",
        "--queue-url",
        queue,
        "--once",
        *args,
        verbosity=verbosity,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


@pytest.mark.parametrize("kind", [k.event_type for k in EVENT_KINDS])
def test_every_ses_event_type_fires_its_signals_and_is_deleted(
    sqs, queue, signer, signals_sent, kind
):
    put(sqs, queue, signer.notification(record(FIXTURE_OF_KIND[kind])))

    out = consume(queue)

    expected = next(k for k in EVENT_KINDS if k.event_type == kind)
    signal_names = {id(getattr(signals, n)): n for n in dir(signals) if n.endswith("_received")}
    assert signals_sent.names == [signal_names[id(expected.signal)], "event_received"]
    assert left_in(sqs, queue) == 0
    assert "1 message received: 1 processed" in out


def test_the_signals_have_the_webhook_view_as_sender_and_the_sqs_body(
    sqs, queue, signer, signals_sent
):
    envelope = signer.notification(record("bounce"))
    put(sqs, queue, envelope)

    consume(queue)

    kwargs = signals_sent.kwargs("bounce_received")
    assert kwargs["sender"] is SESEventWebhookView
    assert json.loads(kwargs["raw_message"]) == envelope


def test_an_event_delivered_twice_and_also_to_the_webhook_fires_once(
    sqs, queue, signer, signals_sent, client
):
    envelope = signer.notification(record("delivery"))
    response = client.post(
        "/ses/event-webhook/", data=json.dumps(envelope), content_type="text/plain"
    )
    assert response.status_code == 200
    put(sqs, queue, envelope)
    put(sqs, queue, envelope)

    out = consume(queue)

    assert signals_sent.names == ["delivery_received", "event_received"]
    assert "2 duplicate" in out
    assert left_in(sqs, queue) == 0
    assert SNSNotification.objects.filter(sns_message_id=envelope["MessageId"]).count() == 1


def test_a_receiver_that_raises_leaves_the_message_for_redelivery(sqs, queue, signer):
    put(sqs, queue, signer.notification(record("bounce")))
    calls: list[int] = []

    def broken(sender: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("receiver is broken")

    signals.bounce_received.connect(broken, weak=False, dispatch_uid="sqs-broken")
    try:
        first = consume(queue, "--visibility-timeout", "0")
        assert "1 transient" in first
        assert left_in(sqs, queue) == 1
        second = consume(queue)
    finally:
        signals.bounce_received.disconnect(dispatch_uid="sqs-broken")

    assert "1 processed" in second
    assert calls == [1, 1]
    assert left_in(sqs, queue) == 0


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", json.dumps({"hello": "world"}), json.dumps({"Type": "Notification"})],
)
def test_a_malformed_message_is_counted_and_deleted(sqs, queue, signals_sent, body):
    put(sqs, queue, body)

    out = consume(queue)

    assert "1 refused" in out
    assert left_in(sqs, queue) == 0
    assert signals_sent.names == []


def test_a_forged_envelope_is_refused_and_deleted(sqs, queue, signer, signals_sent):
    forged = signer.notification(record("bounce"))
    forged["Message"] = forged["Message"].replace("Permanent", "Transient")
    put(sqs, queue, forged)

    out = consume(queue)

    assert "1 refused" in out
    assert signals_sent.names == []
    assert left_in(sqs, queue) == 0


def sns_topic_to_queue(aws: Any, sqs: Any, queue: str, *, raw: bool) -> tuple[Any, str]:
    sns = boto3.client("sns", region_name="us-east-1", endpoint_url=aws.url)
    topic = sns.create_topic(Name="ses-events")["TopicArn"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true" if raw else "false"},
    )
    return sns, topic


def test_raw_message_delivery_from_sns_is_handled_when_enabled(
    aws, sqs, queue, signals_sent, settings
):
    settings.AWS_SES_SQS_RAW_DELIVERY = True
    sns, topic = sns_topic_to_queue(aws, sqs, queue, raw=True)
    sns.publish(TopicArn=topic, Message=json.dumps(record("complaint")))

    out = consume(queue)

    assert signals_sent.names == ["complaint_received", "event_received"]
    assert "1 processed" in out
    (row,) = SNSNotification.objects.all()
    assert row.sns_message_id.startswith("sqs-raw-")


def test_a_raw_record_is_refused_unless_raw_delivery_is_enabled(aws, sqs, queue, signals_sent):
    sns, topic = sns_topic_to_queue(aws, sqs, queue, raw=True)
    sns.publish(TopicArn=topic, Message=json.dumps(record("complaint")))

    out = consume(queue)

    assert "1 refused" in out
    assert signals_sent.names == []


def test_a_redelivered_raw_record_fires_once(sqs, queue, signals_sent, settings):
    settings.AWS_SES_SQS_RAW_DELIVERY = True
    put(sqs, queue, record("delivery"))
    put(sqs, queue, record("delivery"))

    out = consume(queue)

    assert signals_sent.names == ["delivery_received", "event_received"]
    assert "1 processed, 1 duplicate" in out


def test_an_envelope_from_sns_that_cannot_be_verified_is_refused(aws, sqs, queue, signals_sent):
    # moto's SNS writes the envelope SNS writes, with a placeholder signature: it must
    # not verify against the certificate its URL names.
    sns, topic = sns_topic_to_queue(aws, sqs, queue, raw=False)
    sns.publish(TopicArn=topic, Message=json.dumps(record("bounce")))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            mock.GET,
            re.compile(r"https://sns\.us-east-1\.amazonaws\.com/.*\.pem"),
            body=shared_signer().cert_pem,
        )
        out = consume(queue)

    assert "1 refused" in out
    assert signals_sent.names == []
    assert left_in(sqs, queue) == 0


def test_tasks_mode_records_and_enqueues_as_the_webhook_does(
    sqs, queue, signer, signals_sent, settings
):
    from django_ses.tasks_compat import tasks_module

    settings.AWS_SES_EVENT_PROCESSING = "tasks"
    settings.TASKS = {
        "default": {"BACKEND": f"{tasks_module().__name__}.backends.immediate.ImmediateBackend"}
    }
    envelope = signer.notification(record("bounce"))
    put(sqs, queue, envelope)

    consume(queue)

    row = SNSNotification.objects.get(sns_message_id=envelope["MessageId"])
    assert row.status == SNSNotification.Status.PROCESSED
    assert signals_sent.names == ["bounce_received", "event_received"]


def test_max_messages_bounds_the_run_and_verbosity_2_lists_each_message(sqs, queue, signer):
    for _ in range(3):
        put(sqs, queue, signer.notification(record("open")))

    out = consume(queue, "--max-messages", "2", verbosity=2)

    assert out.count("SNS message ") == 2
    assert left_in(sqs, queue) == 1


def test_a_stop_in_the_middle_of_a_batch_loses_nothing_and_repeats_nothing(
    sqs, queue, signer, signals_sent
):
    envelopes = [signer.notification(record("delivery")) for _ in range(13)]
    for envelope in envelopes:
        put(sqs, queue, envelope)
    seen: list[str] = []

    def terminate_once(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs["mail_obj"]["messageId"])
        if len(seen) == 1:
            signal.raise_signal(signal.SIGTERM)

    signals.delivery_received.connect(terminate_once, weak=False, dispatch_uid="sqs-sigterm")
    try:
        out = io.StringIO()
        # Without --once the consumer polls forever: only the signal stops it.
        call_command(
            "ses_events_consume",
            *("--queue-url", queue, "--wait", "0"),
            stdout=out,
            stderr=io.StringIO(),
        )
        first_run = len(signals_sent.names) // 2
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert left_in(sqs, queue) == 13 - first_run
        consume(queue)
    finally:
        signals.delivery_received.disconnect(dispatch_uid="sqs-sigterm")

    assert 0 < first_run < 13  # the batch in hand was finished, the rest waited
    assert f"{first_run} processed" in out.getvalue()
    assert signals_sent.names.count("delivery_received") == 13
    assert left_in(sqs, queue) == 0
    assert SNSNotification.objects.count() == 13


def test_a_queue_that_does_not_exist_is_a_command_error(aws, sqs):
    with pytest.raises(CommandError, match="SQS has no queue"):
        consume(f"{aws.url}/123456789012/no-such-queue")


def test_missing_permissions_are_a_command_error(aws, queue):
    aws.fail("sqs", "ReceiveMessage", "AccessDenied", "not authorised", status=403)

    with pytest.raises(CommandError, match="grant sqs:ReceiveMessage"):
        consume(queue)


def test_an_unreachable_endpoint_is_a_command_error(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9")
    clear_clients()
    try:
        with pytest.raises(CommandError, match="the SQS endpoint can be reached"):
            consume("http://127.0.0.1:9/123456789012/q")
    finally:
        clear_clients()


@pytest.mark.parametrize(
    ("args", "error"),
    [((), "Give --queue-url"), (("--queue-url", "ses-events"), "Not an SQS queue URL")],
)
def test_bad_arguments_are_command_errors(args, error):
    with pytest.raises(CommandError, match=error):
        call_command("ses_events_consume", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_handle_body_deletes_everything_but_transient_failures():
    assert [v for v in Verdict if not v.delete] == [Verdict.TRANSIENT]
    handled = handle_body("{}", view_class=SESEventWebhookView, allow_raw=False)
    assert handled.verdict is Verdict.REFUSED


@pytest.mark.parametrize(
    ("overrides", "ids"),
    [
        ({}, []),
        ({"AWS_SES_SQS_QUEUE_URLS": "https://sqs.x/1/q"}, ["django_ses.E090"]),
        ({"AWS_SES_SQS_WAIT_SECONDS": 30}, ["django_ses.E091"]),
        ({"AWS_SES_SQS_VISIBILITY_TIMEOUT": -1}, ["django_ses.E092"]),
        ({"AWS_SES_SQS_EVENT_VIEW": "no.such.View"}, ["django_ses.E093"]),
    ],
)
def test_system_checks_of_the_consumer_settings(settings, overrides, ids):
    settings.AWS_SES_SQS_QUEUE_URLS = ["https://sqs.us-east-1.amazonaws.com/123456789012/q"]
    for name, value in overrides.items():
        setattr(settings, name, value)

    assert [m.id for m in check_sqs()] == ids


def test_two_consumers_sharing_a_queue_fire_each_event_once(
    require_postgres, sqs, queue, signer, signals_sent, settings
):
    envelopes = [signer.notification(record("delivery")) for _ in range(6)]
    for envelope in envelopes:
        put(sqs, queue, envelope)
        put(sqs, queue, envelope)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            consume(queue)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert signals_sent.names.count("delivery_received") == 6
    assert SNSNotification.objects.count() == 6
