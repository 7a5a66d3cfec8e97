"""What went wrong talking to SES, in a sentence for a person, with what to do about it.

The dashboard shows these sentences and the commands raise them as
``CommandError``. Error codes are judged through the one table of
:mod:`django_ses.aws.errors`.
"""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from django.core.exceptions import ImproperlyConfigured

from django_ses.aws.errors import ErrorCategory, category_of, error_code, error_message

__all__ = ["describe_aws_error"]

_CREDENTIALS = (ErrorCategory.INVALID_CREDENTIALS, ErrorCategory.EXPIRED_CREDENTIALS)


def describe_aws_error(error: Exception, operation: str = "") -> str:
    """A sentence for a person: what went wrong talking to SES and what to do."""
    if isinstance(error, ImproperlyConfigured):
        return f"django_ses is not configured correctly: {error}"
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return (
            "AWS credentials are missing: set AWS_SES_ACCESS_KEY_ID and "
            "AWS_SES_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), "
            "or give the process an IAM role."
        )
    if isinstance(error, NoRegionError):
        return "No AWS region is configured: set AWS_SES_REGION_NAME."
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
        return f"SES is unreachable ({error}). Check AWS_SES_REGION_NAME / AWS_SES_REGION_ENDPOINT."
    if isinstance(error, ReadTimeoutError):
        return f"SES did not answer in time ({error}). Try again later."
    if isinstance(error, ClientError):
        return _describe_answer(error, operation)
    return f"Could not talk to SES: {error.__class__.__name__}: {error}"


def _describe_answer(error: ClientError, operation: str) -> str:
    """The sentence for an error SES answered with."""
    code = error_code(error) or "Error"
    message = error_message(error) or str(error)
    category = category_of(code)
    if category is ErrorCategory.ACCESS_DENIED:
        action = f"ses:{operation}" if operation else "this SES action"
        return f"Access denied: allow {action} in the IAM policy of these credentials."
    if category in _CREDENTIALS:
        return f"AWS rejected the credentials ({code}): {message}"
    if category is ErrorCategory.THROTTLED:
        return f"SES is throttling requests ({code}). Try again in a minute."
    return f"SES returned {code}: {message}"
