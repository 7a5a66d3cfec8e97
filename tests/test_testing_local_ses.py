"""django_ses.testing: the one local SES of the tests, the example and users' suites.

Each test talks to it through boto3 or SESBackend, over HTTP, as a user's
test would.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import boto3
import botocore.exceptions
import pytest
from django.core.mail import EmailMessage

from django_ses import SESBackend, signals
from django_ses.testing import LocalSES
from django_ses.testing.calls import identify
from django_ses.testing.sns import TOPIC_ARN, post_event
from django_ses.testing.wire import WireError, write_output


def v1(aws: LocalSES):
    return boto3.client("ses", region_name="us-east-1", endpoint_url=aws.url)


def v2(aws: LocalSES):
    return boto3.client("sesv2", region_name="us-east-1", endpoint_url=aws.url)


# ------------------------------------------------------------------------- sending


def test_recipients_are_the_destinations_only_not_the_mime_to_on_top(aws, ses_identity):
    to = [f"to{n}@example.org" for n in range(30)]
    bcc = [f"bcc{n}@example.org" for n in range(20)]
    msg = EmailMessage("Hello", "Body", ses_identity, to=to, bcc=bcc)

    assert SESBackend().send_messages([msg]) == 1

    (sent,) = aws.sent_messages()
    assert sent.destinations == to + bcc
    assert sent.message["Subject"] == "Hello"
    assert "Bcc" not in sent.message


def test_a_sender_that_is_not_verified_is_rejected(aws):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        v1(aws).send_raw_email(
            Source="nobody@unverified.example",
            Destinations=["a@example.org"],
            RawMessage={"Data": b"Subject: x\r\n\r\nbody"},
        )
    assert caught.value.response["Error"]["Code"] == "MessageRejected"
    assert aws.sent_messages() == []


def test_more_than_50_destinations_are_refused_in_the_service_wire_format(aws, ses_identity):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        v2(aws).send_email(
            FromEmailAddress=ses_identity,
            Destination={"BccAddresses": [f"u{n}@example.org" for n in range(51)]},
            Content={"Raw": {"Data": b"Subject: x\r\n\r\nbody"}},
        )
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_a_missing_required_parameter_is_a_validation_error(aws):
    call = identify(
        "POST",
        "/",
        {"content-type": "application/x-www-form-urlencoded", "authorization": _auth("ses")},
        b"Action=SendRawEmail&Version=2010-12-01",
    )
    status, _, body = aws.ses.answer(call)
    assert status == 400
    assert b"ValidationError" in body and b"rawMessage" in body


def test_an_answer_the_model_does_not_allow_is_refused_before_it_is_sent():
    call = identify("GET", "/v2/email/account", {"authorization": _auth("ses")}, b"")
    with pytest.raises(WireError, match="NotAMember"):
        write_output(call, {"NotAMember": 1})


def _auth(service: str) -> str:
    return f"AWS4-HMAC-SHA256 Credential=k/20250101/us-east-1/{service}/aws4_request"


# ------------------------------------------------------------------------- account


def test_get_account_reports_the_quota_and_what_was_sent(aws, ses_identity):
    v1(aws).send_raw_email(
        Destinations=["a@example.org", "b@example.org"],
        RawMessage={"Data": f"From: {ses_identity}\r\nSubject: x\r\n\r\nbody".encode()},
    )
    account = v2(aws).get_account()
    assert account["SendQuota"] == {
        "Max24HourSend": 200.0,
        "MaxSendRate": 1.0,
        "SentLast24Hours": 2.0,
    }
    assert v1(aws).get_send_quota()["SentLast24Hours"] == 2.0


def test_statistics_count_the_simulator_bounces_and_complaints(aws, ses_identity):
    for to in ("bounce@simulator.amazonses.com", "complaint@simulator.amazonses.com"):
        SESBackend().send_messages([EmailMessage("Hi", "Body", ses_identity, [to])])

    (point,) = v1(aws).get_send_statistics()["SendDataPoints"]
    assert (point["DeliveryAttempts"], point["Bounces"], point["Complaints"]) == (2, 1, 1)


def test_the_suppression_list_is_kept_and_paged(aws):
    client = v2(aws)
    for n in range(3):
        client.put_suppressed_destination(EmailAddress=f"u{n}@example.org", Reason="BOUNCE")
    first = client.list_suppressed_destinations(PageSize=2)
    rest = client.list_suppressed_destinations(PageSize=2, NextToken=first["NextToken"])
    addresses = [
        s["EmailAddress"] for page in (first, rest) for s in page["SuppressedDestinationSummaries"]
    ]
    assert addresses == ["u0@example.org", "u1@example.org", "u2@example.org"]
    client.delete_suppressed_destination(EmailAddress="u1@example.org")
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_suppressed_destination(EmailAddress="u1@example.org")


# ------------------------------------------------------------------------- simulator


@pytest.mark.parametrize(
    ("local_part", "kinds"),
    [
        ("success", ["Delivery"]),
        ("bounce", ["Bounce"]),
        ("complaint", ["Delivery", "Complaint"]),
        ("delay", ["DeliveryDelay"]),
    ],
)
def test_the_mailbox_simulator_publishes_to_sns(aws, ses_identity, local_part, kinds):
    sns = boto3.client("sns", region_name="us-east-1", endpoint_url=aws.url)
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=aws.url)
    topic = sns.create_topic(Name="ses-events")["TopicArn"]
    queue = sqs.create_queue(QueueName="events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    aws.ses.simulator.publish_to(topic)

    msg = EmailMessage("Hi", "Body", ses_identity, [f"{local_part}@simulator.amazonses.com"])
    SESBackend().send_messages([msg])
    aws.ses.simulator.wait()

    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    events = [json.loads(json.loads(m["Body"])["Message"]) for m in received]
    assert sorted(e.get("notificationType") or e["eventType"] for e in events) == sorted(kinds)
    assert {e["mail"]["messageId"] for e in events} == {msg.ses_status.message_id}


# ------------------------------------------------------------------------- faults


def test_a_slow_answer_arrives_late_and_the_message_was_accepted(aws, ses_identity):
    aws.slow("ses", "GetSendQuota", 0.3, times=1)
    started = time.monotonic()
    v1(aws).get_send_quota()
    assert time.monotonic() - started >= 0.3
    assert len(aws.calls("ses", "GetSendQuota")) == 1


# ------------------------------------------------------------------------- webhook helper


def test_post_event_delivers_a_signed_event_the_verifier_accepts(client, settings, db):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = [TOPIC_ARN]
    seen = []

    def receiver(sender, event, **kwargs):
        seen.append((event.event_type, event.recipients))

    signals.event_received.connect(receiver, weak=False, dispatch_uid="test-post-event")
    try:
        response = post_event(
            client,
            {
                "notificationType": "Bounce",
                "mail": {"messageId": "m-1", "destination": ["a@example.org"]},
                "bounce": {
                    "bounceType": "Transient",
                    "bounceSubType": "General",
                    "bouncedRecipients": [{"emailAddress": "a@example.org"}],
                    "timestamp": "2025-01-01T00:00:00.000Z",
                    "feedbackId": "f-1",
                },
            },
        )
    finally:
        signals.event_received.disconnect(dispatch_uid="test-post-event")
    assert response.status_code == 200
    assert seen == [("bounce", ["a@example.org"])]


# ---------------------------------------------------- the suppression list's wire protocol


def test_the_suppression_list_answers_a_plain_boto3_client(aws):
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=aws.url)
    client.put_suppressed_destination(EmailAddress="a+b@example.com", Reason="COMPLAINT")
    client.put_suppressed_destination(EmailAddress="c@example.com", Reason="BOUNCE")

    found = client.get_suppressed_destination(EmailAddress="a+b@example.com")
    assert found["SuppressedDestination"]["Reason"] == "COMPLAINT"
    assert isinstance(found["SuppressedDestination"]["LastUpdateTime"], dt.datetime)
    first = client.list_suppressed_destinations(PageSize=1)
    second = client.list_suppressed_destinations(PageSize=1, NextToken=first["NextToken"])
    assert [
        e["EmailAddress"]
        for page in (first, second)
        for e in page["SuppressedDestinationSummaries"]
    ] == ["a+b@example.com", "c@example.com"]
    assert "NextToken" not in second
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    later = client.list_suppressed_destinations(StartDate=future)
    assert later["SuppressedDestinationSummaries"] == []

    client.delete_suppressed_destination(EmailAddress="a+b@example.com")
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        client.get_suppressed_destination(EmailAddress="a+b@example.com")
    assert missing.value.response["Error"]["Code"] == "NotFoundException"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(botocore.exceptions.ClientError) as bad_token:
        client.list_suppressed_destinations(NextToken="not-a-token")
    assert bad_token.value.response["Error"]["Code"] == "InvalidNextTokenException"
    with pytest.raises(botocore.exceptions.ClientError) as bad_reason:
        client.put_suppressed_destination(EmailAddress="d@example.com", Reason="SPAM")
    assert bad_reason.value.response["Error"]["Code"] == "BadRequestException"


def test_a_client_that_resets_its_connection_prints_no_traceback(aws, capfd):
    import socket
    import struct
    from urllib.parse import urlsplit

    address = urlsplit(aws.url)
    for _ in range(3):
        client = socket.create_connection((address.hostname, address.port))
        client.sendall(b"POST / HTTP/1.1\r\n")  # then hang up with a reset, mid-request
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    time.sleep(0.3)

    assert "Traceback" not in capfd.readouterr().err
    assert v2(aws).get_account()["SendQuota"]["Max24HourSend"] > 0  # and it still answers
