"""The retry policy of the SES clients: botocore retries, but never sends a message twice.

Two pieces, both botocore's own machinery:

* :func:`client_config`: the client's ``Config``. Unless ``AWS_SES_CONFIG``
  says otherwise, botocore's ``standard`` retry mode with 3 attempts
  (exponential backoff with jitter, a retry quota). The project's config is
  merged over this default with :meth:`botocore.config.Config.merge`: every
  option it sets wins, and its ``retries`` dict is merged key by key, so
  ``Config(read_timeout=5)`` keeps the standard mode and
  ``Config(retries={"total_max_attempts": 1})`` turns retries off.
* :func:`guard_sends`: a handler on botocore's ``needs-retry`` event of each
  operation that sends mail, registered first so it runs before the retry
  handler of any mode (``standard``, ``adaptive``, ``legacy``). It ends the
  retry loop, re-raising the failure as botocore would after its last
  attempt, when a retry could deliver a second copy or cannot help:

  * a network failure after the request was written (a read timeout, a
    connection closed without an answer: :func:`~django_ses.aws.network.failure_phase`);
  * SES's "Daily message quota exceeded" answer.

  Everything else is left to botocore: throttling ("Maximum sending rate
  exceeded"), 5xx answers and connection failures before the request was
  written are retried with backoff.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from django_ses.aws.errors import ErrorCategory, categorize_response
from django_ses.aws.network import failure_phase

__all__ = ["DEFAULT_RETRIES", "SEND_OPERATIONS", "client_config", "guard_sends"]

#: The retry settings of the SES clients when ``AWS_SES_CONFIG`` does not set them.
DEFAULT_RETRIES: dict[str, Any] = {"mode": "standard", "total_max_attempts": 3}

#: The operations that send mail, by botocore event name of the service.
SEND_OPERATIONS: dict[str, tuple[str, ...]] = {
    "ses": (
        "SendEmail",
        "SendRawEmail",
        "SendTemplatedEmail",
        "SendBulkTemplatedEmail",
        "SendCustomVerificationEmail",
    ),
    "sesv2": ("SendEmail", "SendBulkEmail", "SendCustomVerificationEmail"),
}


def client_config(user_config: Config | None) -> Config:
    """The SES client's config: :data:`DEFAULT_RETRIES` with ``user_config`` merged over it."""
    if user_config is None:
        return Config(retries=dict(DEFAULT_RETRIES))  # type: ignore[arg-type]
    user_retries = getattr(user_config, "_user_provided_options", {}).get("retries") or {}
    if "max_attempts" in user_retries:
        # The legacy name of the limit: it replaces the default total, it does not add to it.
        defaults = {"mode": DEFAULT_RETRIES["mode"]}
    else:
        defaults = dict(DEFAULT_RETRIES)
    retries = {**defaults, **user_retries}
    return Config(retries=retries).merge(_without_retries(user_config))  # type: ignore[arg-type]


def _without_retries(config: Config) -> Config:
    options = dict(getattr(config, "_user_provided_options", {}))
    options.pop("retries", None)
    return Config(**options)


def guard_sends(client: Any) -> None:
    """Register the retry guard on ``client``'s send operations (see the module docstring)."""
    meta = getattr(client, "meta", None)
    events = getattr(meta, "events", None)
    service = getattr(getattr(meta, "service_model", None), "service_id", None)
    if events is None or service is None:
        return  # not a botocore client (a test double of an overridden create_session)
    service_name = service.hyphenize()
    for operation in SEND_OPERATIONS.get(service_name, ()):
        events.register_first(
            f"needs-retry.{service_name}.{operation}",
            _RetryGuard(client),
            unique_id=f"django-ses-retry-guard-{service_name}-{operation}",
        )


class _RetryGuard:
    """A ``needs-retry`` handler: raises to stop a retry; ``None`` lets botocore decide."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __call__(
        self,
        response: Any = None,
        caught_exception: BaseException | None = None,
        operation: Any = None,
        **kwargs: Any,
    ) -> None:
        if caught_exception is not None:
            if failure_phase(caught_exception) != "before":
                raise caught_exception
            return None
        if response is None:
            return None
        parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else {}
        if categorize_response(parsed) is ErrorCategory.DAILY_QUOTA:
            # What botocore raises for this answer after its last attempt.
            code = str(parsed.get("Error", {}).get("Code", ""))
            raise self._client.exceptions.from_code(code)(parsed, operation.name)
        return None
