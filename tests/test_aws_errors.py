"""django_ses.aws.errors: the one table of AWS error codes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from django_ses.aws.errors import (
    ERROR_CODES,
    ErrorCategory,
    categorize,
    error_code,
    error_message,
    http_status,
    is_retryable,
)


def client_error(code: str, status: int = 400, message: str = "text") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "SendRawEmail",
    )


def test_code_message_and_status_are_read_from_the_response() -> None:
    error = client_error("MessageRejected", 400, "Email address is not verified.")
    assert error_code(error) == "MessageRejected"
    assert error_message(error) == "Email address is not verified."
    assert http_status(error) == 400


def test_errors_without_a_response_have_no_code_and_no_status() -> None:
    assert error_code(ValueError("x")) == ""
    assert http_status(ValueError("x")) == 0
    assert categorize(ValueError("x")) is None


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("Throttling", ErrorCategory.THROTTLED),
        ("SlowDown", ErrorCategory.THROTTLED),
        ("MessageRejected", ErrorCategory.REJECTED),
        ("AccountSendingPausedException", ErrorCategory.SENDING_PAUSED),
        ("ConfigurationSetDoesNotExist", ErrorCategory.NOT_CONFIGURED),
        ("AccessDeniedException", ErrorCategory.ACCESS_DENIED),
        ("SignatureDoesNotMatch", ErrorCategory.INVALID_CREDENTIALS),
        ("ExpiredToken", ErrorCategory.EXPIRED_CREDENTIALS),
        ("InternalError", ErrorCategory.TRANSIENT),
    ],
)
def test_each_code_has_its_category(code: str, category: ErrorCategory) -> None:
    assert ERROR_CODES[code] is category
    assert categorize(client_error(code)) is category


def test_an_unlisted_code_is_judged_by_its_http_status() -> None:
    assert categorize(client_error("Mystery", 503)) is ErrorCategory.TRANSIENT
    assert categorize(client_error("Mystery", 429)) is ErrorCategory.THROTTLED
    assert categorize(client_error("Mystery", 400)) is None


def test_retries_are_for_throttling_transient_failures_and_expired_tokens_only() -> None:
    assert is_retryable(client_error("Throttling"))
    assert is_retryable(client_error("ServiceUnavailable", 503))
    assert is_retryable(client_error("ExpiredTokenException"))
    assert not is_retryable(client_error("MessageRejected"))
    assert not is_retryable(client_error("AccessDenied", 403))
