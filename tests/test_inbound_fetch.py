"""``fetch_received`` reads the mail without the database; ``dispatch_fetched`` does the rest."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from django_ses.exceptions import ClassLoadError
from django_ses.inbound import (
    FetchedMail,
    InboundTransientError,
    S3Handler,
    UnprocessableError,
    dispatch_fetched,
    fetch_received,
)
from django_ses.models import FailedInboundEmail
from django_ses.signals import inbound_received
from tests.inbound_notifications import eml, s3_received, sns_received, store_in_s3

BUCKET = "inbound-mail"
KEY = "mail/fetch-1"
TOPIC = "arn:aws:sns:us-east-1:012345678912:example-topic"


def no_database(execute, sql, params, many, context):
    raise AssertionError(f"fetch_received used the database: {sql}")


def fetch(message) -> FetchedMail:
    with connection.execute_wrapper(no_database):
        return fetch_received(message, sns_message_id="sns-1", topic_arn=TOPIC)


def test_an_s3_message_is_downloaded_without_touching_the_database(aws):
    raw = eml("sns_example.eml")
    store_in_s3(aws.url, BUCKET, KEY, raw)

    fetched = fetch(s3_received(BUCKET, KEY))

    assert fetched.read
    assert fetched.error is None
    assert fetched.content == raw
    assert len(aws.calls("s3", "GetObject")) == 1


@pytest.mark.django_db
def test_dispatch_fetched_processes_what_was_read_without_reading_again(aws):
    store_in_s3(aws.url, BUCKET, KEY, eml("sns_example.eml"))
    fetched = fetch(s3_received(BUCKET, KEY))
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs["raw_message"])

    inbound_received.connect(receiver, weak=False, dispatch_uid="test-inbound-fetch")
    try:
        dispatch_fetched(fetched)
    finally:
        inbound_received.disconnect(dispatch_uid="test-inbound-fetch")

    assert calls == [fetched.content]
    assert len(aws.calls("s3", "GetObject")) == 1


def test_a_permanent_failure_is_kept_for_dispatch_not_raised():
    fetched = fetch(sns_received(encoding="UTF16"))

    assert not fetched.read
    assert isinstance(fetched.error, UnprocessableError)


@pytest.mark.django_db
def test_dispatch_fetched_stores_the_failure_kept_by_fetch_received():
    dispatch_fetched(fetch(sns_received(encoding="UTF16")))

    assert "Unknown SNS action encoding" in FailedInboundEmail.objects.get().reason


def test_a_transient_s3_failure_is_kept_and_raised_by_dispatch(aws):
    store_in_s3(aws.url, BUCKET, KEY, b"x")
    aws.fail("s3", "GetObject", "SlowDown", "slow down", status=503)

    fetched = fetch(s3_received(BUCKET, KEY))
    assert isinstance(fetched.error, InboundTransientError)
    with pytest.raises(InboundTransientError, match="GetObject"):
        dispatch_fetched(fetched)


@override_settings(AWS_SES_INBOUND_HANDLER="myproject.does_not.Exist")
def test_a_handler_setting_that_cannot_be_loaded_is_transient_at_dispatch():
    fetched = fetch(sns_received())

    assert fetched.handler_class is None
    assert isinstance(fetched.error, ClassLoadError)
    with pytest.raises(InboundTransientError, match="can't be imported"):
        dispatch_fetched(fetched)


class WholeHandler(S3Handler):
    """Overrides ``handle()`` itself: it is run whole, by ``dispatch_fetched``."""

    ran: list[str] = []

    def handle(self, content=None, *args, **kwargs):
        WholeHandler.ran.append(self.action_type)


@pytest.mark.django_db
@override_settings(AWS_SES_INBOUND_HANDLER="tests.test_inbound_fetch.WholeHandler")
def test_a_handler_overriding_handle_runs_whole_at_dispatch():
    WholeHandler.ran.clear()
    fetched = fetch(sns_received())

    assert not fetched.read
    assert WholeHandler.ran == []
    dispatch_fetched(fetched)
    assert WholeHandler.ran == ["SNS"]


@pytest.mark.django_db
def test_the_setup_notification_needs_no_handler():
    notification = sns_received()
    notification["mail"]["messageId"] = "AMAZON_SES_SETUP_NOTIFICATION"
    fetched = fetch(notification)

    assert fetched.is_setup_notification
    assert fetched.handler is None
    dispatch_fetched(fetched)
    assert FailedInboundEmail.objects.count() == 0
