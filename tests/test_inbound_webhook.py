"""Inbound mail end to end: signed SNS notifications posted to the event webhook."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import responses
from django.db import connection
from django.test import override_settings

from django_ses.inbound import DefaultHandler
from django_ses.models import FailedInboundEmail, SNSNotification
from django_ses.signals import inbound_received
from django_ses.utils import clear_cert_cache
from tests.inbound_notifications import eml, s3_received, sns_received, store_in_s3
from tests.sns_signing import SNSSigner

pytestmark = pytest.mark.django_db

URL = "/ses/event-webhook/"
BUCKET = "inbound-mail"
KEY = "mail/d6iitobk75ur44p8kdnnp7g2n800"
_SIGNER: SNSSigner | None = None


@pytest.fixture
def signer() -> Iterator[SNSSigner]:
    global _SIGNER
    if _SIGNER is None:
        _SIGNER = SNSSigner()
    clear_cert_cache()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        _SIGNER.serve_certificate(http)
        yield _SIGNER
    clear_cert_cache()


@pytest.fixture
def received() -> Iterator[list[dict]]:
    calls: list[dict] = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    inbound_received.connect(receiver, weak=False, dispatch_uid="test-inbound-webhook")
    yield calls
    inbound_received.disconnect(dispatch_uid="test-inbound-webhook")


def post(client, notification):
    return client.post(
        URL,
        data=json.dumps(notification),
        content_type="text/plain; charset=UTF-8",
        HTTP_X_AMZ_SNS_MESSAGE_TYPE=notification["Type"],
    )


def test_sns_action_mail_reaches_the_signal_once(client, signer, received):
    raw = eml("alternative.eml")
    notification = signer.notification(sns_received(raw, encoding="BASE64"))

    first = post(client, notification)
    again = post(client, notification)  # SNS delivers at least once

    assert (first.status_code, again.status_code) == (200, 200)
    (call,) = received
    assert call["sender"] is DefaultHandler
    assert call["raw_message"] == raw
    assert call["message"]["Subject"] == "Café order — nº 42"
    record = SNSNotification.objects.get(sns_message_id=notification["MessageId"])
    assert record.event_type == "Received"


def test_s3_action_mail_is_read_from_the_bucket(client, signer, received, aws):
    raw = eml("inline_image.eml")
    store_in_s3(aws.url, BUCKET, KEY, raw)

    response = post(client, signer.notification(s3_received(BUCKET, KEY)))

    assert response.status_code == 200
    assert received[0]["raw_message"] == raw
    assert received[0]["email"]["inlines"][0]["content_id"] == "logo@example.org"


def test_s3_mail_is_downloaded_before_the_ledger_transaction_opens(client, signer, received, aws):
    raw = eml("inline_image.eml")
    store_in_s3(aws.url, BUCKET, KEY, raw)
    statements: list[tuple[float, bool]] = []

    def watch(execute, sql, params, many, context):
        if "INSERT" in sql.upper() and SNSNotification._meta.db_table in sql:
            statements.append((time.monotonic(), connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        response = post(client, signer.notification(s3_received(BUCKET, KEY)))

    assert response.status_code == 200
    (download,) = [c for c in aws.calls("s3") if c.operation == "GetObject"]
    ((inserted_at, in_transaction),) = statements
    assert in_transaction  # the ledger row is written in the transaction…
    assert download.received_at < inserted_at  # …which opened after the download
    assert received[0]["raw_message"] == raw


def test_a_failing_receiver_gets_a_5xx_and_the_redelivery_succeeds(client, signer, received):
    def crash(sender, **kwargs):
        raise RuntimeError("receiver bug")

    notification = signer.notification(sns_received())
    inbound_received.connect(crash, weak=False, dispatch_uid="test-inbound-crash")
    try:
        failed = post(client, notification)
    finally:
        inbound_received.disconnect(dispatch_uid="test-inbound-crash")
    retried = post(client, notification)  # SNS retries after the 5xx

    assert failed.status_code >= 500
    assert b"Traceback" not in failed.content
    assert retried.status_code == 200
    assert len(received) == 2  # once in the failed attempt, once in the retry
    assert SNSNotification.objects.filter(sns_message_id=notification["MessageId"]).count() == 1
    assert FailedInboundEmail.objects.count() == 0


def test_a_retryable_s3_error_gets_a_5xx_and_records_nothing(client, signer, received, aws):
    store_in_s3(aws.url, BUCKET, KEY, eml("sns_example.eml"))
    aws.fail("s3", "GetObject", "SlowDown", "Please reduce your request rate.", status=503)
    notification = signer.notification(s3_received(BUCKET, KEY))

    response = post(client, notification)

    assert response.status_code == 503
    assert received == []
    assert not SNSNotification.objects.filter(sns_message_id=notification["MessageId"]).exists()
    assert FailedInboundEmail.objects.count() == 0


def test_a_missing_s3_object_is_stored_and_acknowledged(client, signer, received, aws):
    store_in_s3(aws.url, BUCKET, "another-key", b"x")
    notification = signer.notification(s3_received(BUCKET, KEY))

    response = post(client, notification)

    assert response.status_code == 200
    assert received == []
    failure = FailedInboundEmail.objects.get()
    assert failure.sns_message_id == notification["MessageId"]
    assert (failure.bucket_name, failure.object_key) == (BUCKET, KEY)


@override_settings(AWS_SES_INBOUND_HANDLER="myproject.missing.Handler")
def test_a_broken_handler_setting_gets_a_5xx_so_no_mail_is_lost(client, signer, received):
    response = post(client, signer.notification(sns_received()))

    assert response.status_code == 503
    assert FailedInboundEmail.objects.count() == 0
