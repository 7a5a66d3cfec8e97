"""Concurrent batches (django_ses.sending.dispatch): several messages of one call in flight at once.

Every test talks HTTP to the local AWS (moto behind the recording proxy);
``aws.slow`` makes moto's answers come late, so the calls of a batch really
overlap. What each message became is checked against what the server
received: no result is given to the wrong message, and the send rate holds
at the server.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator

import pytest
from botocore.config import Config
from django.core.mail import EmailMessage
from django.test import override_settings

from django_ses import SESBackend, signals
from django_ses.exceptions import (
    BatchAbortedError,
    DailyQuotaExceededError,
    InvalidMessageError,
    MessageRejectedError,
    MessageTooLargeError,
)
from django_ses.sending.attachments import base64_size
from django_ses.sending.mime import SIZE_LIMITS
from django_ses.sending.quota import clear_quota_cache
from django_ses.sending.throttle import reset_rate_limiters
from tests.aws import LocalAWS
from tests.ses_wire import parse, v1_destinations, v1_raw
from tests.test_backend_throttle import arrivals, most_in_any_window, serve_send_quota
from tests.test_payload import dkim_settings

NO_RETRIES = Config(retries={"total_max_attempts": 1})
UNVERIFIED = "someone@unverified.example"


@pytest.fixture(autouse=True)
def _fresh_throttle_state() -> Iterator[None]:
    clear_quota_cache()
    reset_rate_limiters()
    yield
    clear_quota_cache()
    reset_rate_limiters()


def batch(
    count: int, recipients: int = 1, sender: str = "sender@example.com"
) -> list[EmailMessage]:
    return [
        EmailMessage(
            f"Message {i}",
            f"Body of message {i}",
            sender,
            [f"user{i}.{r}@example.net" for r in range(recipients)],
        )
        for i in range(count)
    ]


def backend(**kwargs: object) -> SESBackend:
    kwargs.setdefault("concurrency", 4)
    return SESBackend(aws_config=NO_RETRIES, **kwargs)  # type: ignore[arg-type]


def assert_each_status_is_its_own(aws: LocalAWS, messages: list[EmailMessage]) -> None:
    """Each sent message's id is the one moto gave the call that carried its subject."""
    by_id = {m.id: m for m in aws.sent_messages()}
    for message in messages:
        if message.ses_status.status != "sent":
            continue
        received = by_id[message.ses_status.message_id]
        assert parse(received.raw_data)["Subject"] == message.subject
        assert set(received.destinations) == set(message.to)  # moto adds the To header again
        assert message.extra_headers["message_id"] == message.ses_status.message_id


def test_a_batch_is_sent_with_several_calls_in_flight(aws: LocalAWS, ses_identity: str) -> None:
    aws.slow("ses", "SendRawEmail", 0.3)
    messages = batch(8)

    sent = backend().send_messages(messages)

    assert sent == 8
    seen = sorted(call.received_at for call in aws.calls("ses", "SendRawEmail"))
    # Four calls reached the server before the first answer left it.
    assert seen[3] < seen[0] + 0.3
    assert_each_status_is_its_own(aws, messages)


def test_no_result_goes_to_the_wrong_message(aws: LocalAWS, ses_identity: str) -> None:
    aws.slow("ses", "SendRawEmail", 0.02)
    messages = batch(40)

    sent = backend(concurrency=8).send_messages(messages)

    assert sent == 40
    assert len(aws.sent_messages()) == 40
    assert len({m.ses_status.message_id for m in messages}) == 40
    assert_each_status_is_its_own(aws, messages)


@override_settings(AWS_SES_SEND_CONCURRENCY=1)
def test_concurrency_1_sends_one_message_after_the_other_in_order(
    aws: LocalAWS, ses_identity: str
) -> None:
    messages = batch(5)

    SESBackend().send_messages(messages)

    calls = aws.calls("ses", "SendRawEmail")
    assert [parse(v1_raw(c))["Subject"] for c in calls] == [m.subject for m in messages]


@override_settings(AWS_SES_AUTO_THROTTLE=0.5)
def test_the_rate_holds_at_the_server_with_calls_in_flight(
    aws: LocalAWS, ses_identity: str
) -> None:
    serve_send_quota(aws, max_send_rate=40)  # x 0.5: 20 recipients per second
    aws.slow("ses", "SendRawEmail", 0.05)
    messages = [m for size in (1, 3, 2, 1, 5, 1, 2, 4) for m in batch(3, recipients=size)]

    sent = backend(concurrency=8).send_messages(messages)

    assert sent == len(messages)
    seen = arrivals(aws.calls("ses", "SendRawEmail"))
    assert sum(count for _, count in seen) == 3 * (1 + 3 + 2 + 1 + 5 + 1 + 2 + 4)
    assert most_in_any_window(seen) <= 20
    assert_each_status_is_its_own(aws, messages)


def test_one_rejected_message_leaves_the_others_truthful_with_fail_silently(
    aws: LocalAWS, ses_identity: str
) -> None:
    messages = batch(10)
    messages[4].from_email = UNVERIFIED  # moto rejects a sender it has not verified

    sent = backend(fail_silently=True).send_messages(messages)

    assert sent == 9
    assert messages[4].ses_status.status == "failed"
    assert isinstance(messages[4].ses_status.error, MessageRejectedError)
    assert "message_id" not in messages[4].extra_headers
    others = messages[:4] + messages[5:]
    assert [m.ses_status.status for m in others] == ["sent"] * 9
    assert len(aws.sent_messages()) == 9
    assert_each_status_is_its_own(aws, messages)


def test_without_fail_silently_the_first_error_stops_new_calls_and_is_raised(
    aws: LocalAWS, ses_identity: str
) -> None:
    aws.slow("ses", "SendRawEmail", 0.1)
    messages = batch(30)
    messages[0].from_email = UNVERIFIED

    with pytest.raises(MessageRejectedError):
        backend(concurrency=4).send_messages(messages)
    calls_when_raised = len(aws.calls("ses", "SendRawEmail"))
    time.sleep(0.3)

    # Nothing queued was sent after the error was raised.
    assert len(aws.calls("ses", "SendRawEmail")) == calls_when_raised
    statuses = [m.ses_status.status for m in messages]
    assert messages[0].ses_status.status == "failed"
    assert isinstance(messages[0].ses_status.error, MessageRejectedError)
    # The calls in flight finished, and kept what SES answered.
    sent = [m for m in messages if m.ses_status.status == "sent"]
    assert len(sent) == len(aws.sent_messages()) == calls_when_raised - 1
    assert len(sent) < 29
    assert_each_status_is_its_own(aws, messages)
    # The others were never started.
    aborted = [m for m in messages[1:] if m.ses_status.status == "failed"]
    assert len(aborted) == 29 - len(sent)
    assert all(isinstance(m.ses_status.error, BatchAbortedError) for m in aborted)
    addressed = {d for c in aws.calls("ses", "SendRawEmail") for d in v1_destinations(c)}
    assert not addressed & {m.to[0] for m in aborted}
    assert statuses.count("sent") + statuses.count("failed") == 30


@pytest.mark.parametrize("fail_silently", [False, True])
def test_the_daily_quota_fails_every_message_not_accepted(
    aws: LocalAWS, ses_identity: str, fail_silently: bool
) -> None:
    aws.fail("ses", "SendRawEmail", "Throttling", "Daily message quota exceeded.")
    messages = batch(20)

    if fail_silently:
        assert backend(fail_silently=True).send_messages(messages) == 0
    else:
        with pytest.raises(DailyQuotaExceededError):
            backend().send_messages(messages)

    assert len(aws.calls("ses", "SendRawEmail")) <= 4  # the calls in flight at most
    assert all(m.ses_status.status == "failed" for m in messages)
    assert all(isinstance(m.ses_status.error, DailyQuotaExceededError) for m in messages)


def test_message_sent_fires_once_per_accepted_message_in_the_calling_thread(
    aws: LocalAWS, ses_identity: str
) -> None:
    aws.slow("ses", "SendRawEmail", 0.02)
    fired: list[tuple[str, int]] = []

    def receiver(sender: type, message: EmailMessage, **kwargs: object) -> None:
        fired.append((message.ses_status.message_id, threading.get_ident()))

    messages = batch(12)
    messages[3].from_email = UNVERIFIED
    signals.message_sent.connect(receiver)
    try:
        sent = backend(fail_silently=True).send_messages(messages)
    finally:
        signals.message_sent.disconnect(receiver)

    assert sent == 11
    accepted = [m.ses_status.message_id for m in messages if m.ses_status.status == "sent"]
    assert sorted(mid for mid, _ in fired) == sorted(accepted)
    assert {thread for _, thread in fired} == {threading.get_ident()}


def test_a_raising_message_sent_receiver_is_logged_and_the_batch_goes_on(
    aws: LocalAWS, ses_identity: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(sender: type, message: EmailMessage, **kwargs: object) -> None:
        raise RuntimeError("receiver bug")

    messages = batch(10)
    signals.message_sent.connect(broken)
    try:
        with caplog.at_level(logging.ERROR, logger="django_ses"):
            sent = backend().send_messages(messages)
    finally:
        signals.message_sent.disconnect(broken)

    assert sent == 10
    assert [m.ses_status.status for m in messages] == ["sent"] * 10
    assert_each_status_is_its_own(aws, messages)
    errors = [r for r in caplog.records if "message_sent receiver" in r.getMessage()]
    assert len(errors) == 10


def test_the_pool_has_a_connection_for_every_call_in_flight(aws: LocalAWS) -> None:
    connection = SESBackend(concurrency=32)
    connection.open()
    try:
        assert connection.connection.meta.config.max_pool_connections == 32
    finally:
        connection.close()
    small = SESBackend(concurrency=2)
    small.open()
    try:
        assert small.connection.meta.config.max_pool_connections == 10  # botocore's default
    finally:
        small.close()


def test_a_pool_size_in_aws_ses_config_wins(aws: LocalAWS) -> None:
    connection = SESBackend(concurrency=32, aws_config=Config(max_pool_connections=3))
    connection.open()
    try:
        assert connection.connection.meta.config.max_pool_connections == 3
    finally:
        connection.close()


# ---------------------------------------------- rendered one window at a time (memory)


class Observed(EmailMessage):
    """An email whose every rendering notes how many send calls the local SES had received."""

    aws: LocalAWS
    renderings: list[tuple[str, int]]

    def message(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        self.renderings.append((self.subject, len(self.aws.calls("ses", "SendRawEmail"))))
        return super().message(*args, **kwargs)  # type: ignore[arg-type]


def observed_batch(aws: LocalAWS, count: int) -> tuple[list[EmailMessage], list[tuple[str, int]]]:
    renderings: list[tuple[str, int]] = []
    messages: list[EmailMessage] = []
    for i in range(count):
        message = Observed(f"Message {i}", f"Body {i}", "sender@example.com", [f"u{i}@example.net"])
        message.attach("receipt.bin", os.urandom(2000), "application/octet-stream")
        message.aws, message.renderings = aws, renderings
        messages.append(message)
    return messages, renderings


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_signed_batch_is_checked_whole_before_the_first_call_then_rendered_call_by_call(
    aws: LocalAWS, ses_identity: str, concurrency: int
) -> None:
    aws.slow("ses", "SendRawEmail", 0.01)
    messages, renderings = observed_batch(aws, 40)

    with override_settings(**dkim_settings()):
        sent = backend(concurrency=concurrency).send_messages(messages)

    assert sent == 40
    assert_each_status_is_its_own(aws, messages)
    # A DKIM signature covers the attachments: each message is rendered twice, its
    # skeleton, checked before any call reached the server, then in full for its call.
    check, send = renderings[:40], renderings[40:]
    assert [subject for subject, _ in check] == [m.subject for m in messages]
    assert all(received == 0 for _, received in check)
    assert sorted(subject for subject, _ in send) == sorted(m.subject for m in messages)
    # When a message is rendered for sending, all but the calls in flight have reached
    # the server: never more rendered messages waiting than calls in flight.
    for rendered, (_, received) in enumerate(send, start=1):
        assert rendered - received <= concurrency
    calls = aws.calls("ses", "SendRawEmail")
    assert all(v1_raw(call).startswith(b"DKIM-Signature:") for call in calls)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_unsigned_batch_is_rendered_once_and_each_message_arrives_whole(
    aws: LocalAWS, ses_identity: str, concurrency: int
) -> None:
    messages, renderings = observed_batch(aws, 40)

    sent = backend(concurrency=concurrency).send_messages(messages)

    assert sent == 40
    assert_each_status_is_its_own(aws, messages)
    # Each message's skeleton is rendered before any call and kept: the attachment
    # is put into it for the message's own call, without rendering the message again.
    assert [subject for subject, _ in renderings] == [m.subject for m in messages]
    assert all(received == 0 for _, received in renderings)
    arrived = {}
    for call in aws.calls("ses", "SendRawEmail"):
        raw = parse(v1_raw(call))
        (part,) = raw.iter_attachments()
        arrived[raw["Subject"]] = part.get_content()
    assert arrived == {m.subject: m.attachments[0][1] for m in messages}


def test_a_message_that_cannot_be_encoded_late_in_a_batch_raises_before_any_call(
    aws: LocalAWS, ses_identity: str
) -> None:
    messages, _ = observed_batch(aws, 300)
    messages[290].encoding = "no-such-charset"  # only rendering finds it out

    with pytest.raises(InvalidMessageError, match="cannot be encoded"):
        backend(concurrency=8).send_messages(messages)

    assert aws.calls("ses", "SendRawEmail") == []
    assert isinstance(messages[290].ses_status.error, InvalidMessageError)
    others = messages[:290] + messages[291:]
    assert all(isinstance(m.ses_status.error, BatchAbortedError) for m in others)


def test_a_message_too_large_late_in_a_batch_raises_before_any_call(
    aws: LocalAWS, ses_identity: str
) -> None:
    messages, _ = observed_batch(aws, 50)
    # Under the limit by its attachment alone, over it with its headers and body.
    size = (SIZE_LIMITS["v1"] // 4) * 3
    while base64_size(size) > SIZE_LIMITS["v1"] - 100:
        size -= 57
    messages[45].attachments = [("big.bin", bytes(size), "application/octet-stream")]

    with pytest.raises(MessageTooLargeError) as info:
        backend(concurrency=8).send_messages(messages)

    assert not info.value.at_least
    assert aws.calls("ses", "SendRawEmail") == []
    assert messages[45].ses_status.status == "failed"
