"""Inbound handlers and ``dispatch_received``: SES's documented Received notifications,
S3 through the local AWS (moto over HTTP), and every failure mode."""

from __future__ import annotations

import base64
import logging
from email.message import EmailMessage

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from django_ses.inbound import (
    BaseHandler,
    DefaultHandler,
    InboundTransientError,
    S3Handler,
    SnsHandler,
    UnprocessableError,
    dispatch_received,
)
from django_ses.models import FailedInboundEmail
from django_ses.signals import inbound_received
from django_ses.testing.environment import CREDENTIAL
from tests.inbound_notifications import eml, s3_received, sns_received, store_in_s3

pytestmark = pytest.mark.django_db

BUCKET = "inbound-mail"
KEY = "mail/d6iitobk75ur44p8kdnnp7g2n800"


@pytest.fixture
def received():
    """Every ``inbound_received`` sent during the test, as its keyword arguments."""
    calls: list[dict] = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    inbound_received.connect(receiver, weak=False, dispatch_uid="test-inbound-received")
    yield calls
    inbound_received.disconnect(dispatch_uid="test-inbound-received")


@pytest.fixture
def failing_receiver():
    def receiver(sender, **kwargs):
        raise RuntimeError("the app's receiver crashed")

    inbound_received.connect(receiver, weak=False, dispatch_uid="test-inbound-failing")
    yield
    inbound_received.disconnect(dispatch_uid="test-inbound-failing")


def dispatch(message, sns_message_id="sns-1"):
    dispatch_received(
        message,
        sns_message_id=sns_message_id,
        topic_arn="arn:aws:sns:us-east-1:012345678912:example-topic",
    )


# -- SNS action ------------------------------------------------------------------------


def test_documented_sns_action_example_sends_inbound_received(received):
    notification = sns_received()
    dispatch(notification)

    (call,) = received
    assert call["sender"] is DefaultHandler
    assert call["mail_obj"] == notification["mail"]
    assert call["receipt_obj"] == notification["receipt"]
    assert isinstance(call["message"], EmailMessage)
    assert call["message"]["Subject"] == "Example subject"
    assert call["message"].get_content() == "Example content\r\n"
    assert call["raw_message"] == notification["content"].encode()
    assert call["email"]["plain_text"] == "Example content\n"
    assert FailedInboundEmail.objects.count() == 0


def test_sns_action_with_base64_encoding_keeps_the_raw_bytes_exactly(received):
    raw = eml("charsets.eml")  # contains iso-8859-1 8-bit bytes
    dispatch(sns_received(raw, encoding="BASE64"))

    (call,) = received
    assert call["raw_message"] == raw
    assert call["email"]["text_parts"][0] == "Crème brûlée à la française"


def test_sns_action_with_utf8_encoding_is_read(received):
    dispatch(sns_received(eml("alternative.eml"), encoding="UTF8"))

    (call,) = received
    assert call["email"]["subject"] == "Café order — nº 42"
    assert call["email"]["html_text"].startswith("<html>")


def test_headers_missing_from_the_message_are_taken_from_ses_common_headers(received):
    dispatch(sns_received(b"X-Only: a body with no usual headers\r\n\r\nHi\r\n"))

    email = received[0]["email"]
    assert email["subject"] == "Example subject"
    assert email["to"] == ["recipient@example.com"]
    assert email["message_id"] == "<61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com>"
    assert email["date"] == "Fri, 11 Sep 2015 20:32:32 +0000"


@pytest.mark.parametrize("encoding", ["Base64", "base64"])
def test_sns_encoding_spellings_of_the_ses_api_are_accepted(received, encoding):
    raw = eml("charsets.eml")
    notification = sns_received(raw, encoding="BASE64")
    notification["receipt"]["action"]["encoding"] = encoding
    dispatch(notification)

    assert received[0]["raw_message"] == raw


def test_sns_content_that_is_not_base64_is_stored_as_a_failure(received, caplog):
    notification = sns_received(encoding="BASE64")
    notification["content"] = "this is %%% not base64"
    with caplog.at_level(logging.ERROR, logger="django_ses.inbound"):
        dispatch(notification, sns_message_id="sns-bad-base64")

    assert received == []
    failure = FailedInboundEmail.objects.get()
    assert failure.sns_message_id == "sns-bad-base64"
    assert failure.ses_message_id == "d6iitobk75ur44p8kdnnp7g2n800"
    assert failure.action_type == "SNS"
    assert "not valid base64" in failure.reason
    assert bytes(failure.raw_message) == b"this is %%% not base64"
    assert failure.notification == notification
    assert "stored as FailedInboundEmail" in caplog.text


def test_a_failure_whose_notification_holds_nul_characters_is_still_stored(received):
    notification = sns_received(encoding="BASE64")
    notification["content"] = "bad\x00content\ud800"  # PostgreSQL's jsonb refuses both
    dispatch(notification)

    failure = FailedInboundEmail.objects.get()
    assert failure.notification["content"] == "bad\ufffdcontent?"
    assert bytes(failure.raw_message) == b"bad\x00content?"


def test_sns_notification_without_content_is_stored_as_a_failure(received):
    notification = sns_received()
    del notification["content"]
    dispatch(notification)

    assert received == []
    assert "no content" in FailedInboundEmail.objects.get().reason


def test_unknown_sns_encoding_is_stored_as_a_failure(received):
    dispatch(sns_received(encoding="UTF16"))

    assert received == []
    assert "Unknown SNS action encoding 'UTF16'" in FailedInboundEmail.objects.get().reason


def test_ses_setup_notification_is_acknowledged_without_processing(received):
    notification = sns_received()
    notification["mail"]["messageId"] = "AMAZON_SES_SETUP_NOTIFICATION"
    del notification["content"]
    dispatch(notification)

    assert received == []
    assert FailedInboundEmail.objects.count() == 0


def test_notification_without_mail_object_is_stored_as_a_failure():
    dispatch({"notificationType": "Received", "receipt": {}})

    assert "no mail or receipt" in FailedInboundEmail.objects.get().reason


def test_action_without_message_is_stored_not_dropped(received):
    notification = sns_received()
    notification["receipt"]["action"] = {"type": "Lambda", "functionArn": "arn:aws:lambda:x"}
    del notification["content"]
    dispatch(notification)

    assert received == []
    assert "'Lambda' does not deliver the message" in FailedInboundEmail.objects.get().reason


# -- transient failures ------------------------------------------------------------------


@pytest.mark.usefixtures("failing_receiver")
def test_a_receiver_raising_is_transient_and_nothing_is_stored():
    with pytest.raises(InboundTransientError, match="the app's receiver crashed"):
        dispatch(sns_received())
    assert FailedInboundEmail.objects.count() == 0


def test_a_database_error_in_processing_is_transient():
    def receiver(sender, **kwargs):
        raise OperationalError("could not connect to server")

    inbound_received.connect(receiver, weak=False, dispatch_uid="test-inbound-db-down")
    try:
        with pytest.raises(InboundTransientError, match="Database error"):
            dispatch(sns_received())
    finally:
        inbound_received.disconnect(dispatch_uid="test-inbound-db-down")


def test_a_permanent_failure_that_cannot_be_stored_is_transient():
    def database_down(execute, sql, params, many, context):
        if "django_ses_failedinboundemail" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    notification = sns_received(encoding="BASE64")
    notification["content"] = "not base64 !!!"
    with (
        connection.execute_wrapper(database_down),
        pytest.raises(InboundTransientError, match="could not be stored"),
    ):
        dispatch(notification)
    assert FailedInboundEmail.objects.count() == 0


def test_writes_of_a_failed_handler_are_rolled_back():
    def receiver(sender, **kwargs):
        FailedInboundEmail.objects.create(reason="half-done work")
        raise RuntimeError("crash after writing")

    inbound_received.connect(receiver, weak=False, dispatch_uid="test-inbound-rollback")
    try:
        with pytest.raises(InboundTransientError):
            dispatch(sns_received())
    finally:
        inbound_received.disconnect(dispatch_uid="test-inbound-rollback")
    assert FailedInboundEmail.objects.count() == 0


@override_settings(AWS_SES_INBOUND_HANDLER="myproject.does_not.Exist")
def test_a_handler_setting_that_cannot_be_imported_is_transient():
    with pytest.raises(InboundTransientError, match="can't be imported"):
        dispatch(sns_received())


# -- custom handlers ----------------------------------------------------------------------


class RecordingSnsHandler(SnsHandler):
    """A django-ses style subclass: overrides ``process`` and reads ``self.email``."""

    seen: list[dict] = []

    def process(self):
        RecordingSnsHandler.seen.append(
            {"subject": self.email.get("subject"), "plain_text": self.email.get("plain_text")}
        )


class RejectingHandler(DefaultHandler):
    def process(self):
        raise UnprocessableError("spam from a blocked sender")


class ParseWithOwnParser(SnsHandler):
    """``parse_email`` can be replaced by another parser, as django-ses documented."""

    def parse_email(self, content):
        return {"length": len(content)}

    def process(self):
        RecordingSnsHandler.seen.append(dict(self.email))


@override_settings(AWS_SES_INBOUND_HANDLER="tests.test_inbound.RecordingSnsHandler")
def test_a_django_ses_style_subclass_selected_by_the_setting_gets_the_parsed_email(received):
    RecordingSnsHandler.seen.clear()
    dispatch(sns_received())

    assert RecordingSnsHandler.seen == [
        {"subject": "Example subject", "plain_text": "Example content\n"}
    ]
    assert received == []  # process() was overridden, so no signal


@override_settings(AWS_SES_INBOUND_HANDLER="tests.test_inbound.ParseWithOwnParser")
def test_parse_email_can_be_overridden():
    RecordingSnsHandler.seen.clear()
    notification = sns_received()
    dispatch(notification)

    assert RecordingSnsHandler.seen == [{"length": len(notification["content"].encode())}]


@override_settings(AWS_SES_INBOUND_HANDLER="tests.test_inbound.RejectingHandler")
def test_a_handler_raising_unprocessable_error_stores_the_raw_message():
    notification = sns_received()
    dispatch(notification)

    failure = FailedInboundEmail.objects.get()
    assert failure.reason == "spam from a blocked sender"
    assert bytes(failure.raw_message) == notification["content"].encode()


@override_settings(AWS_SES_INBOUND_HANDLER="django_ses.inbound.raw_handler")
def test_django_ses_default_setting_value_now_works(received):
    dispatch(sns_received())
    assert len(received) == 1


@override_settings(AWS_SES_INBOUND_HANDLER="django_ses.inbound.S3Handler")
def test_s3_handler_refuses_an_sns_action_and_stores_it(received):
    dispatch(sns_received())

    assert received == []
    assert "S3Handler got a 'SNS' action" in FailedInboundEmail.objects.get().reason


class TextPreparingHandler(SnsHandler):
    """A django-ses era subclass whose ``prepare_content`` returns text, not bytes."""

    def prepare_content(self, content):
        return content


@override_settings(AWS_SES_INBOUND_HANDLER="tests.test_inbound.TextPreparingHandler")
def test_prepare_content_returning_text_still_works(received):
    notification = sns_received()
    dispatch(notification)

    assert received[0]["raw_message"] == notification["content"].encode()
    assert received[0]["sender"] is TextPreparingHandler


def test_handler_methods_run_in_django_ses_order():
    calls = []

    class Tracing(BaseHandler):
        def check_action_compatibility(self):
            calls.append("check_action_compatibility")

        def prepare_content(self, content):
            calls.append("prepare_content")
            return content.encode()

        def parse_email(self, content):
            calls.append("parse_email")
            return super().parse_email(content)

        def process(self):
            calls.append("process")

    notification = sns_received()
    handler = Tracing(
        mail_obj=notification["mail"], receipt=notification["receipt"], raw_message=b"{}"
    )
    handler.handle(content=notification["content"])

    assert calls == ["check_action_compatibility", "prepare_content", "parse_email", "process"]
    assert handler.email["subject"] == "Example subject"
    assert handler.message["Message-ID"] == "<61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com>"


# -- S3 action ------------------------------------------------------------------------------


def test_documented_s3_action_example_reads_the_object_from_s3(aws, received):
    raw = eml("attachments.eml")
    store_in_s3(aws.url, BUCKET, KEY, raw)
    aws.calls().clear()
    dispatch(s3_received(BUCKET, KEY))

    (call,) = received
    assert call["raw_message"] == raw
    assert call["sender"] is DefaultHandler
    assert call["email"]["attachments"][0]["filename"] == "invoice-2026-11.pdf"
    assert [c.operation for c in aws.calls("s3")][-2:] == ["HeadObject", "GetObject"]


def test_s3_message_larger_than_one_chunk_is_streamed_whole(aws, received):
    raw = eml("alternative.eml") + b"\r\n" + b"x" * 300_000 + b"\r\n"
    store_in_s3(aws.url, BUCKET, KEY, raw)
    dispatch(s3_received(BUCKET, KEY))

    assert received[0]["raw_message"] == raw


@override_settings(AWS_SES_INBOUND_HANDLER="django_ses.inbound.S3Handler")
def test_s3_handler_selected_by_the_setting_reads_s3(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, eml("sns_example.eml"))
    dispatch(s3_received(BUCKET, KEY))

    assert received[0]["sender"] is S3Handler


@override_settings(AWS_SES_INBOUND_S3_BUCKETS=["the-only-allowed-bucket"])
def test_a_bucket_outside_the_allow_list_is_refused_before_any_s3_call(aws, received):
    dispatch(s3_received("someone-elses-bucket", KEY))

    assert aws.calls("s3") == []
    assert received == []
    failure = FailedInboundEmail.objects.get()
    assert "'someone-elses-bucket', which is not in AWS_SES_INBOUND_S3_BUCKETS" in failure.reason
    assert (failure.bucket_name, failure.object_key) == ("someone-elses-bucket", KEY)


@override_settings(AWS_SES_INBOUND_S3_BUCKETS=[BUCKET])
def test_a_bucket_in_the_allow_list_is_read(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, eml("sns_example.eml"))
    dispatch(s3_received(BUCKET, KEY))

    assert len(received) == 1


def test_missing_object_is_a_stored_permanent_failure(aws, received, caplog):
    store_in_s3(aws.url, BUCKET, "other-key", b"x")
    with caplog.at_level(logging.ERROR, logger="django_ses.inbound"):
        dispatch(s3_received(BUCKET, KEY))

    assert received == []
    failure = FailedInboundEmail.objects.get()
    assert failure.action_type == "S3"
    assert (failure.bucket_name, failure.object_key) == (BUCKET, KEY)
    assert f"HeadObject s3://{BUCKET}/{KEY} failed: 404" in failure.reason
    assert failure.raw_message is None
    assert KEY in caplog.text


def test_no_such_key_on_download_is_a_stored_permanent_failure(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, b"x")
    aws.fail("s3", "GetObject", "NoSuchKey", "The specified key does not exist.", status=404)
    dispatch(s3_received(BUCKET, KEY))

    assert received == []
    assert (
        "NoSuchKey (The specified key does not exist.)" in FailedInboundEmail.objects.get().reason
    )


def test_access_denied_is_a_stored_permanent_failure(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, b"x")
    aws.fail("s3", "GetObject", "AccessDenied", "Access Denied", status=403)
    dispatch(s3_received(BUCKET, KEY))

    assert received == []
    assert "GetObject" in FailedInboundEmail.objects.get().reason
    assert "AccessDenied" in FailedInboundEmail.objects.get().reason


@override_settings(AWS_SES_INBOUND_MAX_MESSAGE_SIZE=1000)
def test_an_object_over_the_size_cap_is_not_downloaded(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, b"x" * 1001)
    dispatch(s3_received(BUCKET, KEY))

    assert [c.operation for c in aws.calls("s3", "GetObject")] == []
    assert received == []
    assert "is 1001 bytes, over AWS_SES_INBOUND_MAX_MESSAGE_SIZE (1000 bytes)" in (
        FailedInboundEmail.objects.get().reason
    )


@override_settings(AWS_SES_INBOUND_MAX_MESSAGE_SIZE=100_000)
def test_a_download_larger_than_head_object_said_is_stopped_at_the_cap(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, b"x" * 500_000)
    # HeadObject claims an empty object: the cap must still hold while streaming.
    aws.respond("s3", "HeadObject", lambda call: (200, {}, b""))
    dispatch(s3_received(BUCKET, KEY))

    assert received == []
    assert "the download was stopped" in FailedInboundEmail.objects.get().reason


def test_a_client_side_encrypted_object_is_refused_with_a_clear_reason(aws, received):
    store_in_s3(
        aws.url,
        BUCKET,
        KEY,
        b"\x8f\x02 ciphertext",
        metadata={
            "x-amz-key-v2": base64.b64encode(b"wrapped data key").decode(),
            "x-amz-cek-alg": "AES/GCM/NoPadding",
            "x-amz-wrap-alg": "kms",
            "x-amz-matdesc": '{"kms_cmk_id":"arn:aws:kms:us-east-1:012345678912:alias/aws/ses"}',
        },
    )
    dispatch(s3_received(BUCKET, KEY))

    assert received == []
    assert aws.calls("s3", "GetObject") == []
    reason = FailedInboundEmail.objects.get().reason
    assert "client-side encrypted" in reason
    assert "arn:aws:kms:us-east-1:012345678912:alias/aws/ses" in reason


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [
        ("GetObject", "SlowDown", 503),
        ("GetObject", "InternalError", 500),
        ("HeadObject", "ServiceUnavailable", 503),
        ("GetObject", "ExpiredToken", 400),
    ],
)
def test_retryable_s3_errors_are_transient_and_store_nothing(
    aws, received, operation, code, status
):
    store_in_s3(aws.url, BUCKET, KEY, b"x")
    aws.fail("s3", operation, code, "try again", status=status)

    with pytest.raises(InboundTransientError, match=code if status < 500 else operation):
        dispatch(s3_received(BUCKET, KEY))
    assert received == []
    assert FailedInboundEmail.objects.count() == 0


def test_a_dropped_s3_connection_is_transient(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, b"x")
    aws.drop("s3", "GetObject")

    with pytest.raises(InboundTransientError, match="GetObject"):
        dispatch(s3_received(BUCKET, KEY))
    assert FailedInboundEmail.objects.count() == 0


def test_a_connection_cut_in_the_middle_of_the_download_is_transient(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, b"x" * 1000)
    # S3 announces 1000 bytes, sends 7 and closes the connection.
    aws.respond(
        "s3",
        "GetObject",
        lambda call: (200, {"Content-Length": "1000", "Connection": "close"}, b"partial"),
    )

    with pytest.raises(InboundTransientError, match="Reading s3://"):
        dispatch(s3_received(BUCKET, KEY))
    assert received == []
    assert FailedInboundEmail.objects.count() == 0


def test_one_throttled_download_is_retried_by_the_client(aws, received):
    raw = eml("sns_example.eml")
    store_in_s3(aws.url, BUCKET, KEY, raw)
    aws.fail("s3", "GetObject", "SlowDown", "Please reduce your request rate.", 503, times=1)
    dispatch(s3_received(BUCKET, KEY))

    assert received[0]["raw_message"] == raw
    assert len(aws.calls("s3", "GetObject")) == 2


def test_s3_uses_the_default_credential_chain_by_default(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, eml("sns_example.eml"))
    dispatch(s3_received(BUCKET, KEY))

    (head,) = aws.calls("s3", "HeadObject")
    # the environment: the dummy key the local SES put there
    assert f"Credential={CREDENTIAL}/" in head.headers["authorization"]


@override_settings(
    AWS_SES_INBOUND_ACCESS_KEY_ID="AKIAINBOUND", AWS_SES_INBOUND_SECRET_ACCESS_KEY="secret"
)
def test_inbound_credential_settings_override_the_default_chain(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, eml("sns_example.eml"))
    dispatch(s3_received(BUCKET, KEY))

    (head,) = aws.calls("s3", "HeadObject")
    assert "Credential=AKIAINBOUND/" in head.headers["authorization"]
    assert len(received) == 1


def test_s3_is_read_in_the_region_of_the_receipt_topic(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, eml("sns_example.eml"), region="eu-west-1")
    dispatch(s3_received(BUCKET, KEY, topic_arn="arn:aws:sns:eu-west-1:012345678912:inbound"))

    assert {call.region for call in aws.calls("s3", "HeadObject")} == {"eu-west-1"}
    assert len(received) == 1


@override_settings(AWS_SES_INBOUND_S3_BUCKETS={BUCKET: "ap-southeast-2"})
def test_a_region_given_in_the_allow_list_wins(aws, received):
    store_in_s3(aws.url, BUCKET, KEY, eml("sns_example.eml"), region="ap-southeast-2")
    dispatch(s3_received(BUCKET, KEY))

    assert {call.region for call in aws.calls("s3", "HeadObject")} == {"ap-southeast-2"}
    assert len(received) == 1
