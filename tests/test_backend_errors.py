"""SESBackend: errors from SES become typed exceptions; statuses stay truthful.

Errors are injected by the local AWS in each API's own wire protocol
(``aws.fail``/``aws.drop``); botocore's retries are turned off with
``aws_config`` so every failure is seen once.
"""

from __future__ import annotations

import sys

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.mail import EmailMessage

from django_ses import SESBackend
from django_ses.exceptions import (
    BatchAbortedError,
    ConfigurationError,
    DailyQuotaExceededError,
    InvalidMessageError,
    MessageRejectedError,
    MessageTooLargeError,
    SendingPausedError,
    SESAPIError,
    SESClientSetupError,
    SESConnectionError,
    SESError,
    SESServerError,
    ThrottledError,
)

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def backend(**kwargs: object) -> SESBackend:
    return SESBackend(aws_config=NO_RETRIES, **kwargs)  # type: ignore[arg-type]


def message(subject: str = "Hello", sender: str = "sender@example.com", **kwargs) -> EmailMessage:
    kwargs.setdefault("to", ["to@example.net"])
    return EmailMessage(subject, "Body", sender, **kwargs)


V1_ERRORS = [
    ("Throttling", "Maximum sending rate exceeded.", 400, ThrottledError),
    ("Throttling", "Daily message quota exceeded.", 400, DailyQuotaExceededError),
    ("MessageRejected", "Email address is not verified.", 400, MessageRejectedError),
    ("AccountSendingPausedException", "Sending paused.", 400, SendingPausedError),
    ("ConfigurationSetSendingPausedException", "Set paused.", 400, SendingPausedError),
    ("ConfigurationSetDoesNotExist", "Configuration set x does not exist.", 400,
     ConfigurationError),
    ("MailFromDomainNotVerifiedException", "MAIL FROM not verified.", 400, ConfigurationError),
    ("AccessDenied", "User is not authorized to perform ses:SendRawEmail", 403,
     ConfigurationError),
    ("InvalidClientTokenId", "The security token included in the request is invalid.", 403,
     ConfigurationError),
    ("SomethingNew", "A code this package does not know.", 400, SESAPIError),
]  # fmt: skip

V2_ERRORS = [
    ("TooManyRequestsException", "Too many requests.", 429, ThrottledError),
    ("LimitExceededException", "Limit exceeded.", 400, ThrottledError),
    ("MessageRejected", "Rejected.", 400, MessageRejectedError),
    ("SendingPausedException", "Paused.", 400, SendingPausedError),
    ("AccountSuspendedException", "Suspended.", 400, SendingPausedError),
    ("NotFoundException", "Configuration set does not exist.", 404, ConfigurationError),
    ("AccessDeniedException", "Not authorized.", 403, ConfigurationError),
]


@pytest.mark.parametrize(("code", "text", "status", "kind"), V1_ERRORS)
def test_v1_api_errors_become_typed_exceptions_carrying_the_ses_code(
    aws, ses_identity, code, text, status, kind
):
    aws.fail("ses", "SendRawEmail", code, text, status=status)
    msg = message()

    with pytest.raises(kind) as info:
        backend().send_messages([msg])

    error = info.value
    assert type(error) is kind
    assert error.ses_code == code
    assert error.ses_message == text
    assert error.request_id
    assert isinstance(error.__cause__, ClientError)
    assert msg.ses_status.status == "failed"
    assert msg.ses_status.error is error


@pytest.mark.parametrize(("code", "text", "status", "kind"), V2_ERRORS)
def test_v2_api_errors_become_typed_exceptions_carrying_the_ses_code(
    aws, ses_identity, code, text, status, kind
):
    aws.fail("sesv2", "SendEmail", code, text, status=status)

    with pytest.raises(kind) as info:
        backend(use_ses_v2=True).send_messages([message()])

    assert info.value.ses_code == code
    assert info.value.ses_message == text


def test_code_written_for_django_ses_still_catches_client_error(aws, ses_identity):
    aws.fail("ses", "SendRawEmail", "MessageRejected", "Rejected.")

    try:
        backend().send_messages([message()])
    except ClientError as error:
        caught = error
    assert caught.response["Error"]["Code"] == "MessageRejected"
    assert caught.operation_name == "SendRawEmail"


def test_a_server_error_is_a_failed_outcome(aws, ses_identity):
    # Issue 9: a 5xx means SES did not accept the message (botocore retries it).
    aws.fail("ses", "SendRawEmail", "InternalFailure", "Try again.", status=500)
    msg = message()

    with pytest.raises(SESServerError):
        backend().send_messages([msg])

    assert msg.ses_status.status == "failed"


def test_a_dropped_connection_is_a_connection_error_with_an_unknown_outcome(aws, ses_identity):
    aws.drop("ses", "SendRawEmail")
    msg = message()

    with pytest.raises(SESConnectionError) as info:
        backend().send_messages([msg])

    assert not isinstance(info.value, ClientError)
    assert info.value.__cause__ is not None
    assert msg.ses_status.status == "unknown"
    assert msg.ses_status.error is info.value


def test_an_unreachable_endpoint_is_a_connection_error():
    msg = message()

    with pytest.raises(SESConnectionError):
        backend(aws_region_endpoint="http://127.0.0.1:9").send_messages([msg])

    # Issue 9: a refused connection reached nothing, so the message certainly failed.
    assert msg.ses_status.status == "failed"


def test_botocore_retries_a_throttled_call_when_retries_are_on(aws, ses_identity):
    aws.fail("ses", "SendRawEmail", "Throttling", "Maximum sending rate exceeded.", times=1)
    config = Config(retries={"total_max_attempts": 2, "mode": "standard"})

    sent = SESBackend(aws_config=config).send_messages([message()])

    assert sent == 1
    assert len(aws.calls("ses", "SendRawEmail")) == 2


# ------------------------------------------------------------------- fail_silently


def test_fail_silently_swallows_api_errors_and_counts_the_accepted_messages(aws, ses_identity):
    aws.fail("ses", "SendRawEmail", "MessageRejected", "Rejected.", times=1)
    first, second = message("first"), message("second")

    sent = backend(fail_silently=True, concurrency=1).send_messages([first, second])

    assert sent == 1
    assert first.ses_status.status == "failed"
    assert isinstance(first.ses_status.error, MessageRejectedError)
    assert second.ses_status.status == "sent"
    assert [m.ses_status.message_id for m in (second,)] == [aws.sent_messages()[0].id]


def test_fail_silently_swallows_connection_errors(aws, ses_identity):
    aws.drop("ses", "SendRawEmail")
    msg = message()

    assert backend(fail_silently=True).send_messages([msg]) == 0
    assert msg.ses_status.status == "unknown"


def test_fail_silently_sends_the_valid_messages_of_a_batch_with_an_invalid_one(aws, ses_identity):
    good, bad = message("good"), message("bad", to=["not an address"])

    sent = backend(fail_silently=True).send_messages([bad, good])

    assert sent == 1
    assert bad.ses_status.status == "failed"
    assert isinstance(bad.ses_status.error, InvalidMessageError)
    assert good.ses_status.status == "sent"


def test_fail_silently_swallows_a_client_setup_error(aws, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    settings.AWS_SESSION_PROFILE = "does-not-exist"
    settings.AWS_ACCESS_KEY_ID = None
    settings.AWS_SECRET_ACCESS_KEY = None
    msg = message()

    assert backend(fail_silently=True).send_messages([msg]) == 0
    assert msg.ses_status.status == "failed"
    assert isinstance(msg.ses_status.error, SESClientSetupError)
    assert backend(fail_silently=True).open() is False
    with pytest.raises(SESClientSetupError, match="does-not-exist"):
        backend().open()


# ---------------------------------------------------------------- mid-batch failure


def test_a_failure_mid_batch_leaves_every_message_with_a_truthful_status(aws, ses_identity):
    # moto rejects a sender whose domain is not verified: the second message fails.
    first = message("first")
    second = message("second", sender="someone@unverified.example")
    third = message("third")

    with pytest.raises(MessageRejectedError):
        backend(concurrency=1).send_messages([first, second, third])  # one after the other

    assert first.ses_status.status == "sent"
    assert first.ses_status.message_id == aws.sent_messages()[0].id
    assert second.ses_status.status == "failed"
    assert isinstance(second.ses_status.error, MessageRejectedError)
    assert third.ses_status.status == "failed"
    assert isinstance(third.ses_status.error, BatchAbortedError)
    assert len(aws.calls("ses", "SendRawEmail")) == 2
    assert "message_id" in first.extra_headers
    assert "message_id" not in second.extra_headers


def test_an_invalid_message_stops_the_batch_before_any_api_call(aws, ses_identity):
    messages = [message("one"), message("two"), message("three", cc=["broken@"])]

    with pytest.raises(InvalidMessageError, match="Cc address"):
        backend().send_messages(messages)

    assert not aws.calls("ses", "SendRawEmail")
    assert [m.ses_status.status for m in messages] == ["failed"] * 3
    assert isinstance(messages[0].ses_status.error, BatchAbortedError)


def test_a_failed_resend_drops_the_previous_compat_keys(aws, ses_identity):
    msg = message()
    backend().send_messages([msg])
    aws.fail("ses", "SendRawEmail", "MessageRejected", "Rejected.")

    with pytest.raises(MessageRejectedError):
        backend().send_messages([msg])

    assert msg.ses_status.status == "failed"
    assert "message_id" not in msg.extra_headers


# ---------------------------------------------------------- checks before sending


def test_a_v1_message_over_10_mb_raises_before_any_api_call(aws, ses_identity):
    msg = message()
    msg.attach("big.bin", b"\0" * (8 * 1024 * 1024), "application/octet-stream")

    with pytest.raises(MessageTooLargeError) as info:
        backend().send_messages([msg])

    assert info.value.limit == 10 * 1024 * 1024
    assert info.value.size > info.value.limit
    assert not aws.calls("ses", "SendRawEmail")


def test_v2_accepts_a_message_over_10_mb(aws, ses_identity):
    msg = message()
    msg.attach("big.bin", b"\0" * (8 * 1024 * 1024), "application/octet-stream")

    assert backend(use_ses_v2=True).send_messages([msg]) == 1
    assert len(aws.sent_messages()[0].raw_data) > 10 * 1024 * 1024


@pytest.mark.parametrize(
    "headers",
    [{"X-Bad\nName": "v"}, {"Bad Name": "v"}, {"X-Ok": "value\r\nBcc: x@example.com"}],
)
def test_bad_headers_raise_before_any_api_call(aws, ses_identity, headers):
    with pytest.raises(InvalidMessageError):
        backend().send_messages([message(headers=headers)])

    assert not aws.calls("ses", "SendRawEmail")


def test_a_duplicate_singleton_header_raises_before_any_api_call(aws, ses_identity):
    with pytest.raises(InvalidMessageError, match="Subject"):
        backend().send_messages([message(headers={"Subject": "second"})])

    assert not aws.calls("ses", "SendRawEmail")


@pytest.mark.parametrize("address", ["nobody", "a@b@example.com", "x@localhost", "zoë@example.com"])
def test_invalid_addresses_raise_before_any_api_call(aws, ses_identity, address):
    with pytest.raises(InvalidMessageError):
        backend().send_messages([message(to=[address])])

    assert not aws.calls("ses", "SendRawEmail")


def test_an_invalid_sender_raises_before_any_api_call(aws, ses_identity):
    with pytest.raises(InvalidMessageError, match="from address"):
        backend().send_messages([message(sender="not-an-address")])

    assert not aws.calls("ses", "SendRawEmail")


def test_the_envelope_error_names_the_setting(aws, ses_identity, settings):
    settings.AWS_SES_FROM_EMAIL = "broken"

    with pytest.raises(InvalidMessageError, match="AWS_SES_FROM_EMAIL"):
        backend().send_messages([message()])


def test_errors_are_raised_from_the_botocore_error(aws, ses_identity):
    aws.fail("ses", "SendRawEmail", "MessageRejected", "Rejected.")

    with pytest.raises(MessageRejectedError) as info:
        backend().send_messages([message()])

    cause = info.value.__cause__
    assert isinstance(cause, ClientError)
    assert not isinstance(cause, SESError)
    assert type(cause).__name__ == "MessageRejected"  # boto3's modelled exception


def test_dkim_settings_without_dkimpy_fail_the_send_instead_of_sending_unsigned(
    aws, ses_identity, settings, monkeypatch
):
    from django_ses.exceptions import DKIMNotInstalledError

    monkeypatch.setitem(sys.modules, "dkim", None)  # as if dkimpy were not installed
    monkeypatch.setitem(sys.modules, "dkim.crypto", None)
    settings.DKIM_DOMAIN = "example.com"
    settings.DKIM_PRIVATE_KEY = (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"
    )
    msg = message()

    with pytest.raises(DKIMNotInstalledError, match="dkimpy"):
        backend().send_messages([msg])

    assert msg.ses_status.status == "failed"
    assert not aws.calls("ses", "SendRawEmail")


def test_an_invalid_return_path_raises_before_any_api_call(aws, ses_identity, settings):
    settings.AWS_SES_RETURN_PATH = "bounces at example.com"
    messages = [message("one"), message("two")]

    with pytest.raises(InvalidMessageError, match="AWS_SES_RETURN_PATH"):
        backend(use_ses_v2=True).send_messages(messages)

    assert not aws.calls("sesv2", "SendEmail")
    assert [m.ses_status.status for m in messages] == ["failed", "failed"]
