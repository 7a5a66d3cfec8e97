"""django_ses.exceptions: the documented hierarchy and the botocore mapping."""

from __future__ import annotations

import pickle

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from django_ses.exceptions import (
    BatchAbortedError,
    ConfigurationError,
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
    from_botocore_error,
)


def client_error(code: str, message: str = "text", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RequestId": "req-1", "HTTPStatusCode": status},
        },
        "SendRawEmail",
    )


@pytest.mark.parametrize(
    "kind",
    [ThrottledError, MessageRejectedError, SendingPausedError, ConfigurationError, SESServerError],
)
def test_api_errors_are_ses_errors_and_botocore_client_errors(kind):
    assert issubclass(kind, SESAPIError)
    assert issubclass(kind, SESError)
    assert issubclass(kind, ClientError)


def test_invalid_message_errors_are_value_errors_and_not_client_errors():
    assert issubclass(InvalidMessageError, ValueError)
    assert issubclass(MessageTooLargeError, InvalidMessageError)
    assert not issubclass(InvalidMessageError, ClientError)


def test_local_failures_are_not_client_errors():
    for kind in (SESConnectionError, SESClientSetupError, BatchAbortedError):
        assert issubclass(kind, SESError)
        assert not issubclass(kind, ClientError)


def test_outcomes_say_whether_the_message_may_have_reached_ses():
    assert SESConnectionError.outcome == "unknown"
    assert SESServerError.outcome == "failed"  # issue 9: a 5xx did not accept the message
    for kind in (MessageRejectedError, ThrottledError, InvalidMessageError, SESClientSetupError):
        assert kind.outcome == "failed"


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("Throttling", 400, ThrottledError),
        ("TooManyRequestsException", 429, ThrottledError),
        ("MessageRejected", 400, MessageRejectedError),
        ("AccountSendingPausedException", 400, SendingPausedError),
        ("ConfigurationSetDoesNotExist", 400, ConfigurationError),
        ("AccessDeniedException", 403, ConfigurationError),
        ("InternalFailure", 500, SESServerError),
        ("ServiceUnavailable", 503, SESServerError),
        ("BrandNewCode", 400, SESAPIError),
    ],
)
def test_client_errors_map_by_ses_code(code, status, kind):
    typed = from_botocore_error(client_error(code, "why", status))

    assert type(typed) is kind
    assert typed.ses_code == code
    assert typed.ses_message == "why"
    assert typed.request_id == "req-1"
    assert typed.http_status == status
    assert typed.operation_name == "SendRawEmail"
    assert "why" in str(typed)


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com"),
        ConnectionClosedError(endpoint_url="https://email.us-east-1.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com"),
    ],
)
def test_network_errors_map_to_connection_errors(error):
    typed = from_botocore_error(error)

    assert isinstance(typed, SESConnectionError)
    assert typed.ses_code is None


@pytest.mark.parametrize(
    "error", [NoCredentialsError(), ParamValidationError(report="Invalid type for parameter")]
)
def test_other_botocore_errors_map_to_client_setup_errors(error):
    assert isinstance(from_botocore_error(error), SESClientSetupError)


def test_non_aws_errors_are_not_mapped():
    assert from_botocore_error(KeyError("x")) is None


def test_our_errors_map_to_themselves():
    error = MessageTooLargeError(11, 10, "v1")

    assert from_botocore_error(error) is error


def test_api_errors_survive_pickling_for_task_queues():
    typed = from_botocore_error(client_error("MessageRejected"))

    restored = pickle.loads(pickle.dumps(typed))

    assert type(restored) is MessageRejectedError
    assert restored.ses_code == "MessageRejected"
