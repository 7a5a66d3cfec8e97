"""Issue 9, items 1-3: faults injected by the local SES, seen through SESBackend.

Each test asserts what the local SES received, call by call, and each
message's ``ses_status``. botocore's retries stay ON (the package's default
policy, or a project's ``AWS_SES_CONFIG`` merged over it).
"""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from django.core.mail import EmailMessage

from django_ses import SESBackend
from django_ses.exceptions import (
    DailyQuotaExceededError,
    SESConnectFailedError,
    SESNoAnswerError,
    ThrottledError,
)

FAST_TIMEOUT = Config(read_timeout=1, connect_timeout=1)


def message(subject: str = "Hello") -> EmailMessage:
    return EmailMessage(subject, "Body", "sender@example.com", ["to@example.net"])


def test_a_slow_answer_is_not_resent_and_leaves_the_outcome_unknown(aws, ses_identity):
    aws.slow("ses", "SendRawEmail", seconds=2)
    msg = message()

    with pytest.raises(SESNoAnswerError) as info:
        SESBackend(aws_config=FAST_TIMEOUT).send_messages([msg])

    assert len(aws.calls("ses", "SendRawEmail")) == 1
    assert len(aws.sent_messages()) == 1  # SES accepted it: one copy only
    assert isinstance(info.value.__cause__, ReadTimeoutError)
    assert msg.ses_status.status == "unknown"
    assert msg.ses_status.error is info.value


def test_a_slow_answer_is_not_resent_with_legacy_retries_either(aws, ses_identity):
    aws.slow("ses", "SendRawEmail", seconds=2)
    config = Config(read_timeout=1, retries={"mode": "legacy", "max_attempts": 4})
    msg = message()

    with pytest.raises(SESNoAnswerError):
        SESBackend(aws_config=config).send_messages([msg])

    assert len(aws.calls("ses", "SendRawEmail")) == 1
    assert msg.ses_status.status == "unknown"


def test_a_connection_closed_after_the_request_is_not_resent(aws, ses_identity):
    aws.drop("ses", "SendRawEmail")
    msg = message()

    with pytest.raises(SESNoAnswerError) as info:
        SESBackend().send_messages([msg])

    assert len(aws.calls("ses", "SendRawEmail")) == 1
    assert isinstance(info.value.__cause__, ConnectionClosedError)
    assert msg.ses_status.status == "unknown"


def test_a_reset_before_the_request_was_read_is_retried(aws, ses_identity):
    aws.reset_connection("ses", "SendRawEmail", times=1)
    msg = message()

    assert SESBackend().send_messages([msg]) == 1

    assert len(aws.calls("ses", "SendRawEmail")) == 2
    assert len(aws.sent_messages()) == 1
    assert msg.ses_status.status == "sent"
    assert msg.ses_status.message_id == aws.sent_messages()[0].id


def test_resets_until_the_last_attempt_leave_the_message_failed(aws, ses_identity):
    aws.reset_connection("ses", "SendRawEmail")
    msg = message()

    with pytest.raises(SESConnectFailedError):
        SESBackend(aws_config=Config(retries={"total_max_attempts": 2})).send_messages([msg])

    assert len(aws.calls("ses", "SendRawEmail")) == 2
    assert not aws.sent_messages()
    assert msg.ses_status.status == "failed"


def test_a_server_error_and_throttling_are_retried_with_the_project_config_merged(
    aws, ses_identity
):
    # AWS_SES_CONFIG sets only a timeout: the standard retry mode stays in force.
    aws.fail("ses", "SendRawEmail", "InternalFailure", "Try again.", status=500, times=1)
    aws.fail("ses", "SendRawEmail", "Throttling", "Maximum sending rate exceeded.", times=1)
    msg = message()

    assert SESBackend(aws_config=FAST_TIMEOUT).send_messages([msg]) == 1

    assert len(aws.calls("ses", "SendRawEmail")) == 3
    assert msg.ses_status.status == "sent"


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9", "http://ses.invalid"])
def test_a_refused_connection_or_unknown_host_is_failed(endpoint):
    msg = message()
    config = Config(retries={"total_max_attempts": 1})

    with pytest.raises(SESConnectFailedError):
        SESBackend(aws_region_endpoint=endpoint, aws_config=config).send_messages([msg])

    assert msg.ses_status.status == "failed"


def test_a_tls_handshake_failure_is_failed(aws):
    msg = message()
    https = aws.url.replace("http://", "https://")
    config = Config(retries={"total_max_attempts": 1})

    with pytest.raises(SESConnectFailedError):
        SESBackend(aws_region_endpoint=https, aws_config=config).send_messages([msg])

    assert msg.ses_status.status == "failed"
    assert not aws.calls("ses", "SendRawEmail")  # the proxy never read a request


@pytest.mark.parametrize("fail_silently", [False, True])
def test_the_daily_quota_stops_the_batch_without_retries(aws, ses_identity, fail_silently):
    aws.fail("ses", "SendRawEmail", "Throttling", "Daily message quota exceeded.")
    first, second = message("first"), message("second")
    backend = SESBackend(fail_silently=fail_silently, concurrency=1)  # one after the other

    if fail_silently:
        assert backend.send_messages([first, second]) == 0
    else:
        with pytest.raises(DailyQuotaExceededError):
            backend.send_messages([first, second])

    assert len(aws.calls("ses", "SendRawEmail")) == 1
    for msg in (first, second):
        assert msg.ses_status.status == "failed"
        assert isinstance(msg.ses_status.error, DailyQuotaExceededError)
        assert isinstance(msg.ses_status.error, ThrottledError)
