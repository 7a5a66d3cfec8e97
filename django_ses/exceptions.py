"""The exceptions raised by :class:`django_ses.SESBackend`.

Every boto3/botocore error raised while sending is turned into one of these,
raised ``from`` the original error::

    SESError
    ├── InvalidMessageError (also a ValueError)    the message was never sent to SES
    │   └── MessageTooLargeError
    ├── DKIMError (also a ValueError)              manual DKIM signing cannot be done
    │   ├── DKIMKeyError                           the private key is not usable
    │   └── DKIMNotInstalledError (also ImportError)  dkimpy is missing
    ├── BatchAbortedError                          not attempted: an earlier message failed
    ├── DeliveryInProgressError                    a queued message is being sent elsewhere
    ├── InvalidAddress (also a ValueError)         an address typed in the admin or a command
    ├── SESClientSetupError                        botocore could not build the request
    ├── SESConnectionError                         network failure or timeout
    │   ├── SESConnectFailedError                  nothing reached SES (refused, DNS, TLS…)
    │   └── SESNoAnswerError                       sent, but no answer (read timeout…)
    ├── StatsError                                 statistics, quota or identities unavailable
    └── SESAPIError (also botocore ClientError)    SES answered with an error
        ├── ThrottledError
        │   └── DailyQuotaExceededError            the 24-hour sending quota is spent
        ├── MessageRejectedError
        ├── SendingPausedError
        ├── ConfigurationError
        └── SESServerError

    SESError (webhook and SNS)
    ├── SNSMessageError                            an SNS message is not accepted
    │   ├── MalformedSNSMessage (also a ValueError)   400
    │   │   └── NestedTooDeeply
    │   ├── UntrustedSNSMessage                    403
    │   ├── CertificateFetchError                  503: SNS retries
    │   └── VerificationUnavailable                requests/cryptography missing
    ├── SubscriptionConfirmationError              ConfirmSubscription failed
    └── WebhookRefusal                             the webhook's HTTP refusal

    SESError (configuration and inbound mail)
    ├── ClassLoadError (also ImproperlyConfigured) a setting names an unusable class
    └── InboundError                               receiving mail (django_ses.inbound)
        ├── InboundTransientError                  may pass: SNS delivers it again
        ├── UnprocessableError                     never handled: stored for a person
        └── S3FetchError
            ├── S3TransientError
            └── S3PermanentError

API errors subclass :class:`botocore.exceptions.ClientError`, so code written
for django-ses that catches ``ClientError`` keeps working, and they keep its
``response`` and ``operation_name``.

Each class has an ``outcome``: ``"failed"`` when the message certainly did not
reach SES, ``"unknown"`` when it may have. It becomes ``message.ses_status.status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import botocore.exceptions
from django.core.exceptions import ImproperlyConfigured

from django_ses.aws.errors import ErrorCategory, categorize, http_status
from django_ses.aws.network import failure_phase

__all__ = [
    "BatchAbortedError",
    "CertificateFetchError",
    "ClassLoadError",
    "ConfigurationError",
    "DKIMError",
    "DKIMKeyError",
    "DKIMNotInstalledError",
    "DailyQuotaExceededError",
    "DeliveryInProgressError",
    "InboundError",
    "InboundTransientError",
    "InvalidAddress",
    "InvalidMessageError",
    "MalformedSNSMessage",
    "MessageRejectedError",
    "MessageTooLargeError",
    "NestedTooDeeply",
    "S3FetchError",
    "S3PermanentError",
    "S3TransientError",
    "SESAPIError",
    "SESClientSetupError",
    "SESConnectFailedError",
    "SESConnectionError",
    "SESError",
    "SESNoAnswerError",
    "SESServerError",
    "SNSMessageError",
    "SendingPausedError",
    "StatsError",
    "SubscriptionConfirmationError",
    "ThrottleWaitTooLongError",
    "ThrottledError",
    "UnprocessableError",
    "UntrustedSNSMessage",
    "VerificationUnavailable",
    "WebhookRefusal",
    "from_botocore_error",
]


class SESError(Exception):
    """Base class of every error raised by the sending backend."""

    outcome: ClassVar[str] = "failed"
    #: True when no further call can succeed now (the daily quota is spent):
    #: the rest of a ``send_messages()`` batch is not attempted.
    stops_sending: ClassVar[bool] = False

    @property
    def ses_code(self) -> str | None:
        """SES's error code (``"MessageRejected"``…), or ``None`` when SES did not answer."""
        return None

    @property
    def ses_message(self) -> str | None:
        """SES's error message, or ``None`` when SES did not answer."""
        return None

    @property
    def request_id(self) -> str | None:
        """The SES request id of the failed call, when SES answered."""
        return None


class InvalidMessageError(SESError, ValueError):
    """The message cannot be sent as it is; it was rejected before any API call.

    Examples: an invalid address, a CR/LF in a header name, two ``Subject``
    headers, an invalid tag.
    """


class MessageTooLargeError(InvalidMessageError):
    """The raw message is over the API's size limit (v1: 10 MB, v2: 40 MB)."""

    def __init__(self, size: int, limit: int, api: str, at_least: bool = False) -> None:
        self.size = size
        self.limit = limit
        self.api = api
        #: ``size`` is a lower bound: the attachments alone, found before rendering.
        self.at_least = at_least
        advice = "Send smaller attachments"
        if api == "v1":
            advice += ", or set USE_SES_V2 = True: the v2 API accepts up to 40 MB"
        measure = "at least " if at_least else ""
        super().__init__(
            f"The message is {measure}{size} bytes, over the {limit}-byte limit of the SES "
            f"{api} API (attachments included, after MIME encoding). {advice}."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.size, self.limit, self.api, self.at_least)


class BatchAbortedError(SESError):
    """The message was not attempted because an earlier message of the same call failed."""


# ---------------------------------------------------------------- sending
# Raised by django_ses.sending (manual DKIM signing, queued delivery).


class ThrottleWaitTooLongError(SESError):
    """In a web request, a send would wait longer than ``AWS_SES_THROTTLE_MAX_WAIT`` for the rate.

    Nothing was sent and the throttle was not charged. Send from a task
    instead: :class:`~django_ses.QueuedSESBackend` queues the message and a
    worker sends it at the account's rate.
    """

    stops_sending: ClassVar[bool] = True

    def __init__(self, recipients: int, wait: float, rate: float, limit: float) -> None:
        self.recipients, self.wait, self.rate, self.limit = recipients, wait, rate, limit
        super().__init__(
            f"Sending {recipients} recipient(s) now would wait {wait:.1f} s for the SES send "
            f"rate ({rate:g} recipients/s), longer than AWS_SES_THROTTLE_MAX_WAIT = {limit:g} s "
            "allows in a web request. Send from a task instead: "
            "EMAIL_BACKEND = 'django_ses.QueuedSESBackend' queues the message and a worker "
            "sends it at the account's rate."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.recipients, self.wait, self.rate, self.limit)


class DKIMError(SESError, ValueError):
    """DKIM signing cannot be done with the given settings or message.

    Also a ``ValueError``, as in earlier versions.
    """


class DKIMKeyError(DKIMError):
    """``DKIM_PRIVATE_KEY`` (or the ``dkim_key`` keyword) is not a usable private key."""


class DKIMNotInstalledError(DKIMError, ImportError):
    """DKIM settings are present but dkimpy is not installed."""


class InvalidAddress(SESError, ValueError):
    """An address a person typed (admin forms, management commands) is not usable.

    ``str(error)`` says what is wrong with it, for a person.
    """


class DeliveryInProgressError(SESError):
    """Another worker is sending the same queued message right now (a duplicate task).

    Raised so the task fails and can be run again later; by then the other
    worker has finished and the retry sends nothing twice.
    """


class SESClientSetupError(SESError):
    """botocore could not build or sign the request: nothing reached SES.

    Missing credentials, an unknown profile or region, a missing optional
    dependency (such as the CRT signer for global endpoints)…
    """


class SESConnectionError(SESError):
    """The request failed on the network (connection dropped, timeout…).

    SES may or may not have received it: the outcome is ``"unknown"``, unless
    it is the subclass :class:`SESConnectFailedError`.
    """

    outcome: ClassVar[str] = "unknown"


class SESConnectFailedError(SESConnectionError):
    """Nothing reached SES: the connection was refused or reset before the request was read,
    the name did not resolve, the connection or the TLS handshake failed.

    botocore retried it (with backoff) before giving up; the outcome is ``"failed"``.
    """

    outcome: ClassVar[str] = "failed"


class SESNoAnswerError(SESConnectionError):
    """The request was written but no answer came (a read timeout, a connection closed).

    SES may have accepted the message: it was not sent again, by botocore or by
    django_ses. The outcome is ``"unknown"``.
    """


class SESAPIError(SESError, botocore.exceptions.ClientError):
    """SES answered the request with an error.

    Also a :class:`botocore.exceptions.ClientError` with the original
    ``response`` and ``operation_name``.
    """

    def __init__(self, error_response: Mapping[str, Any], operation_name: str) -> None:
        botocore.exceptions.ClientError.__init__(
            self,
            dict(error_response),  # type: ignore[arg-type]
            operation_name,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # ClientError pickles as a plain ClientError; ours are module-level classes.
        return type(self), (self.response, self.operation_name)

    @property
    def ses_code(self) -> str | None:
        code = self.response.get("Error", {}).get("Code")
        return str(code) if code else None

    @property
    def ses_message(self) -> str | None:
        message = self.response.get("Error", {}).get("Message")
        return str(message) if message is not None else None

    @property
    def request_id(self) -> str | None:
        request_id = self.response.get("ResponseMetadata", {}).get("RequestId")
        return str(request_id) if request_id else None

    @property
    def http_status(self) -> int | None:
        status = self.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status else None


class ThrottledError(SESAPIError):
    """SES refused the call because of the sending rate or the daily quota."""


class DailyQuotaExceededError(ThrottledError):
    """SES refused the call: the account's 24-hour sending quota is spent.

    SES's ``Throttling`` answer "Daily message quota exceeded". Retrying cannot
    help until the 24-hour window moves on: botocore does not retry it, and no
    further message of the same ``send_messages()`` call is attempted (each
    gets this error, status ``"failed"``).
    """

    stops_sending: ClassVar[bool] = True


class MessageRejectedError(SESAPIError):
    """SES rejected the message (for example: it contains a virus, or an unverified address)."""


class SendingPausedError(SESAPIError):
    """Sending is paused or suspended for the account or the configuration set."""


class ConfigurationError(SESAPIError):
    """The AWS side is not set up for this send.

    The configuration set or identity does not exist or is not verified, the
    credentials are wrong, or the IAM policy denies the action.
    """


class SESServerError(SESAPIError):
    """SES failed with a server error (HTTP 5xx) and did not accept the message.

    botocore retried it (with backoff) before giving up; the outcome is ``"failed"``.
    """


# ---------------------------------------------------------------- reporting
# Raised by django_ses.reporting (statistics, quota, identities, suppression list).


class StatsError(SESError):
    """SES could not be asked; ``str(error)`` says why and what to do, for a person.

    ``code`` is the AWS error code when SES answered with one (``""`` otherwise).
    """

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (str(self), self.code)


#: The exception of each :class:`~django_ses.aws.errors.ErrorCategory` an SES answer can have.
_API_ERRORS: dict[ErrorCategory, type[SESAPIError]] = {
    ErrorCategory.THROTTLED: ThrottledError,
    ErrorCategory.DAILY_QUOTA: DailyQuotaExceededError,
    ErrorCategory.REJECTED: MessageRejectedError,
    ErrorCategory.SENDING_PAUSED: SendingPausedError,
    ErrorCategory.NOT_CONFIGURED: ConfigurationError,
    ErrorCategory.ACCESS_DENIED: ConfigurationError,
    ErrorCategory.INVALID_CREDENTIALS: ConfigurationError,
    ErrorCategory.EXPIRED_CREDENTIALS: ConfigurationError,
}


def from_botocore_error(error: Exception) -> SESError | None:
    """Return the typed error for a boto3/botocore ``error``, or ``None`` for other errors.

    The caller raises the result ``from error``.
    """
    if isinstance(error, SESError):
        return error
    if isinstance(error, botocore.exceptions.ClientError):
        category = categorize(error)
        kind = _API_ERRORS.get(category) if category else None
        if kind is None:
            kind = SESServerError if http_status(error) >= 500 else SESAPIError
        return kind(error.response, error.operation_name)
    phase = failure_phase(error)
    if phase == "before":
        return SESConnectFailedError(f"Could not reach SES (nothing was sent): {error}")
    if phase == "after":
        return SESNoAnswerError(
            f"SES did not answer; it may have accepted the message, which was not sent "
            f"again: {error}"
        )
    if isinstance(error, botocore.exceptions.BotoCoreError):
        return SESClientSetupError(f"Could not build the SES request: {error}")
    return None


# ---------------------------------------------------------------- sns / webhook
# Raised by django_ses.sns (reading and verifying SNS messages) and django_ses.webhook.


class SNSMessageError(SESError):
    """An SNS message that is not accepted; ``reason`` says why (safe to log)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class MalformedSNSMessage(SNSMessageError, ValueError):
    """The message is not a well-formed SNS message (the webhook answers 400)."""


class NestedTooDeeply(MalformedSNSMessage):
    """The JSON nests deeper than :data:`django_ses.sns.envelope.MAX_JSON_DEPTH`."""


class UntrustedSNSMessage(SNSMessageError):
    """The message is well-formed but not authentic or not allowed (403)."""


class CertificateFetchError(SNSMessageError):
    """The signing certificate could not be obtained right now (5xx: SNS retries)."""


class VerificationUnavailable(SNSMessageError):
    """``requests``/``cryptography`` are missing: install ``django-ses[events]``."""


class SubscriptionConfirmationError(SESError):
    """SNS ``ConfirmSubscription`` failed; the webhook answers 503 so SNS retries."""


class WebhookRefusal(SESError):
    """A request the webhook refuses: an HTTP ``status`` and a ``reason`` safe to log."""

    def __init__(self, status: int, reason: str, *, challenge: bool = False) -> None:
        self.status = status
        self.reason = reason
        self.challenge = challenge
        super().__init__(reason)


# ---------------------------------------------------------------- configuration
# Raised by django_ses.loading.


class ClassLoadError(SESError, ImproperlyConfigured):
    """A setting (or a stored payload) names a class that can't be imported or is the wrong kind.

    Also Django's :class:`~django.core.exceptions.ImproperlyConfigured`.
    ``path`` is the value as written; ``import_failed`` tells "can't be
    imported" (``True``) from "imported, but not the expected class" (``False``).
    """

    def __init__(self, message: str = "", *, path: str = "", import_failed: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.import_failed = import_failed


# ---------------------------------------------------------------- inbound
# Raised by django_ses.inbound (received mail), re-exported there.


class InboundError(SESError):
    """Base class of the errors of receiving mail (``django_ses.inbound``)."""


class InboundTransientError(InboundError):
    """Handling failed for a reason that may pass: the webhook answers 5xx so SNS retries."""


class UnprocessableError(InboundError):
    """The message can never be handled: it is stored as a ``FailedInboundEmail``.

    Handlers raise it (django-ses's name is kept) with a reason a person can act
    on; ``raw_message`` is whatever raw content could be read, kept for them.
    """

    def __init__(self, reason: str = "", *, raw_message: bytes | None = None) -> None:
        super().__init__(reason)
        self.raw_message = raw_message


class S3FetchError(InboundError):
    """The received message could not be read from S3."""


class S3TransientError(S3FetchError):
    """A failure that may pass: retrying later can succeed."""


class S3PermanentError(S3FetchError):
    """A failure that retrying will not fix."""
