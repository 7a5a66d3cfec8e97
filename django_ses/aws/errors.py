"""The one table of AWS error codes, and what each means to django_ses.

Every decision that depends on an AWS error code reads :data:`ERROR_CODES`:
the typed exceptions of :mod:`django_ses.exceptions`, the retry decisions of
sending and of S3 downloads, the throttle's quota read and the messages of the
statistics commands. A code missing from the table is judged by its HTTP status
(5xx and 429 are transient).

This module imports no boto3: it reads the ``response`` dict of a botocore
``ClientError`` (or anything shaped like one).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ALREADY_EXISTS",
    "BULK_ENTRY_ERRORS",
    "ERROR_CODES",
    "MESSAGE_CATEGORIES",
    "NOT_FOUND",
    "S3_BODYLESS_ERRORS",
    "ErrorCategory",
    "categorize",
    "categorize_response",
    "category_of",
    "error_code",
    "error_message",
    "http_status",
    "is_retryable",
]


class ErrorCategory(enum.Enum):
    """What an AWS error code means for the request that got it."""

    #: Too many requests (the send rate, an API rate): retry later, through the throttle.
    THROTTLED = "throttled"
    #: The account's 24-hour sending quota is spent: no retry helps until the window moves.
    DAILY_QUOTA = "daily_quota"
    #: SES refused this message for good (``MessageRejected``).
    REJECTED = "rejected"
    #: Sending is paused for the account or the configuration set.
    SENDING_PAUSED = "sending_paused"
    #: Something named in the request does not exist or is not verified.
    NOT_CONFIGURED = "not_configured"
    #: The credentials are valid but not allowed to do this (IAM).
    ACCESS_DENIED = "access_denied"
    #: The credentials are wrong or the request was signed wrongly.
    INVALID_CREDENTIALS = "invalid_credentials"
    #: Temporary credentials have expired: a refreshed set may succeed.
    EXPIRED_CREDENTIALS = "expired_credentials"
    #: A failure on AWS's side or in transit that may succeed when retried.
    TRANSIENT = "transient"


_C = ErrorCategory

#: Error code -> category, for SES v1, SES v2, SNS, S3 and STS.
ERROR_CODES: Mapping[str, ErrorCategory] = {
    # Throttling: v1 "Throttling" (send rate and daily quota), v2 429s, S3's SlowDown.
    "Throttling": _C.THROTTLED,
    "ThrottlingException": _C.THROTTLED,
    "TooManyRequestsException": _C.THROTTLED,
    "LimitExceededException": _C.THROTTLED,
    "MaxSendingRateExceeded": _C.THROTTLED,
    "RequestLimitExceeded": _C.THROTTLED,
    "SlowDown": _C.THROTTLED,
    # Rejected messages.
    "MessageRejected": _C.REJECTED,
    # Paused sending.
    "AccountSendingPausedException": _C.SENDING_PAUSED,
    "ConfigurationSetSendingPausedException": _C.SENDING_PAUSED,
    "SendingPausedException": _C.SENDING_PAUSED,
    "AccountSuspendedException": _C.SENDING_PAUSED,
    # Missing or unverified configuration.
    "ConfigurationSetDoesNotExist": _C.NOT_CONFIGURED,
    "ConfigurationSetDoesNotExistException": _C.NOT_CONFIGURED,
    "MailFromDomainNotVerifiedException": _C.NOT_CONFIGURED,
    "MailFromDomainNotVerified": _C.NOT_CONFIGURED,
    "NotFoundException": _C.NOT_CONFIGURED,
    "OptInRequired": _C.NOT_CONFIGURED,
    # Permissions.
    "AccessDenied": _C.ACCESS_DENIED,
    "AccessDeniedException": _C.ACCESS_DENIED,
    "UnauthorizedOperation": _C.ACCESS_DENIED,
    "NotAuthorized": _C.ACCESS_DENIED,
    "AuthorizationError": _C.ACCESS_DENIED,
    # Credentials and signatures.
    "InvalidClientTokenId": _C.INVALID_CREDENTIALS,
    "UnrecognizedClientException": _C.INVALID_CREDENTIALS,
    "SignatureDoesNotMatch": _C.INVALID_CREDENTIALS,
    "InvalidSignatureException": _C.INVALID_CREDENTIALS,
    "IncompleteSignature": _C.INVALID_CREDENTIALS,
    "InvalidAccessKeyId": _C.INVALID_CREDENTIALS,
    "ExpiredToken": _C.EXPIRED_CREDENTIALS,
    "ExpiredTokenException": _C.EXPIRED_CREDENTIALS,
    # Transient failures.
    "InternalError": _C.TRANSIENT,
    "InternalFailure": _C.TRANSIENT,
    "ServiceUnavailable": _C.TRANSIENT,
    "ServiceUnavailableException": _C.TRANSIENT,
    "RequestTimeout": _C.TRANSIENT,
    "RequestTimeTooSkewed": _C.TRANSIENT,
    "OperationAborted": _C.TRANSIENT,
    # S3: the object changed between HeadObject and GetObject.
    "PreconditionFailed": _C.TRANSIENT,
    # S3: the object or bucket a receipt rule named is gone.
    "NoSuchKey": _C.NOT_CONFIGURED,
    "NoSuchBucket": _C.NOT_CONFIGURED,
}

#: S3 answers ``HeadObject`` errors without a body, so botocore makes the status the code:
#: what each such code means, for the error message.
S3_BODYLESS_ERRORS: Mapping[str, str] = {
    "404": "no such key or bucket",
    "403": "access denied",
    "400": "bad request",
}

#: (category of the code, words of the message) -> the category of that answer.
#: SES answers both limits with the same code; its documentation names the two
#: messages ("Errors related to the sending quotas for your Amazon SES account"):
#: "Daily message quota exceeded" and "Maximum sending rate exceeded" (which
#: stays THROTTLED). Matched case-insensitively anywhere in the message.
MESSAGE_CATEGORIES: Mapping[tuple[ErrorCategory, str], ErrorCategory] = {
    (_C.THROTTLED, "daily message quota exceeded"): _C.DAILY_QUOTA,
}

#: Categories a retry can cure.
RETRYABLE: frozenset[ErrorCategory] = frozenset(
    {_C.THROTTLED, _C.TRANSIENT, _C.EXPIRED_CREDENTIALS}
)

#: SES v2 ``SendBulkEmail``: each entry's ``Status`` (other than ``SUCCESS``) as the
#: (error code, message) SES gives the same failure for a single call, so one
#: entry's refusal becomes the same typed error as a refused ``SendEmail``.
BULK_ENTRY_ERRORS: Mapping[str, tuple[str, str]] = {
    "MESSAGE_REJECTED": ("MessageRejected", "The message was rejected"),
    "MAIL_FROM_DOMAIN_NOT_VERIFIED": (
        "MailFromDomainNotVerifiedException",
        "The MAIL FROM domain is not verified",
    ),
    "CONFIGURATION_SET_NOT_FOUND": (
        "ConfigurationSetDoesNotExistException",
        "The configuration set does not exist",
    ),
    "TEMPLATE_NOT_FOUND": ("NotFoundException", "The template does not exist"),
    "ACCOUNT_SUSPENDED": ("AccountSuspendedException", "The account is suspended"),
    "ACCOUNT_THROTTLED": ("Throttling", "Maximum sending rate exceeded"),
    "ACCOUNT_DAILY_QUOTA_EXCEEDED": ("Throttling", "Daily message quota exceeded"),
    "INVALID_SENDING_POOL_NAME": ("NotFoundException", "The sending pool does not exist"),
    "ACCOUNT_SENDING_PAUSED": ("AccountSendingPausedException", "Sending is paused"),
    "CONFIGURATION_SET_SENDING_PAUSED": (
        "ConfigurationSetSendingPausedException",
        "Sending is paused for the configuration set",
    ),
    "INVALID_PARAMETER": ("BadRequestException", "A parameter is invalid"),
    "TRANSIENT_FAILURE": ("InternalFailure", "A transient failure"),
    "FAILED": ("InternalFailure", "The entry failed"),
}

# ---- reporting: codes the identity and suppression-list commands answer by name.
#: SES v2: the identity or suppressed address does not exist.
NOT_FOUND = "NotFoundException"
#: SES v2: the identity exists already.
ALREADY_EXISTS = "AlreadyExistsException"


def _response(error: Any) -> Mapping[str, Any]:
    response = getattr(error, "response", None)
    return response if isinstance(response, Mapping) else {}


def _error_field(response: Mapping[str, Any], name: str) -> str:
    info = response.get("Error") or {}
    return str(info.get(name) or "") if isinstance(info, Mapping) else ""


def _http_status(response: Mapping[str, Any]) -> int:
    metadata = response.get("ResponseMetadata") or {}
    try:
        return int(metadata.get("HTTPStatusCode") or 0) if isinstance(metadata, Mapping) else 0
    except (TypeError, ValueError):
        return 0


def error_code(error: Any) -> str:
    """The AWS error code of a botocore ``ClientError`` (``""`` for other errors)."""
    return _error_field(_response(error), "Code")


def error_message(error: Any) -> str:
    """The AWS error message of a botocore ``ClientError`` (``""`` for other errors)."""
    return _error_field(_response(error), "Message")


def http_status(error: Any) -> int:
    """The HTTP status of the AWS answer, or 0 when there was none."""
    return _http_status(_response(error))


def category_of(code: str) -> ErrorCategory | None:
    """The category of an error code, or ``None`` when the table does not list it."""
    return ERROR_CODES.get(code)


def categorize_response(response: Mapping[str, Any]) -> ErrorCategory | None:
    """The category of a parsed AWS error answer (the ``response`` of a ``ClientError``).

    Its code's category, refined by the message (:data:`MESSAGE_CATEGORIES`);
    for a code the table does not list, by HTTP status (5xx, 429); else ``None``.
    """
    category = category_of(_error_field(response, "Code"))
    if category is None:
        status = _http_status(response)
        if status == 429:
            category = _C.THROTTLED
        elif status >= 500:
            category = _C.TRANSIENT
    message = _error_field(response, "Message").casefold()
    for (base, words), refined in MESSAGE_CATEGORIES.items():
        if category is base and words in message:
            return refined
    return category


def categorize(error: Any) -> ErrorCategory | None:
    """The category of an AWS error (see :func:`categorize_response`); ``None`` for others."""
    return categorize_response(_response(error))


def is_retryable(error: Any) -> bool:
    """Whether retrying the same request later may succeed."""
    return categorize(error) in RETRYABLE
