"""``django_ses.SESBackend``: a Django email backend that sends through Amazon SES.

Messages go out as raw MIME, through SES v1 ``SendRawEmail`` (the default) or
SES v2 ``SendEmail`` with ``Content.Raw`` (``USE_SES_V2 = True``).

A call to :meth:`SESBackend.send_messages` runs the sending pipeline
(:mod:`django_ses.sending`): the keywords and settings were resolved into
:class:`~django_ses.sending.options.SendOptions` when the backend was built;
every message is prepared into an immutable payload
(:mod:`~django_ses.sending.batch`: recipients checked and filtered through the
blacklist, configuration set and tags resolved, MIME rendered, DKIM-signed,
size-checked), and nothing is sent if a message is invalid, unless
``fail_silently`` is set; then the :class:`~django_ses.sending.sender.Sender`
sends each payload in calls of at most 50 recipients, throttled when
``AWS_SES_AUTO_THROTTLE`` is on.

Each message then carries ``message.ses_status`` (see
:mod:`django_ses.sending.status`), written once, from its outcome.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from django_ses.aws.clients import (
    ClientSettings,
    build_client,
    create_session,
    shared_client,
    with_timeouts,
)
from django_ses.exceptions import SESError, from_botocore_error
from django_ses.send_log import writer as send_log
from django_ses.sending import quota, throttle, web_request
from django_ses.sending.batch import send_batch
from django_ses.sending.options import KEYWORDS, UNSET, OptionAlias, SendOptions
from django_ses.sending.result import Outcome, announce_sent, record
from django_ses.sending.sender import Sender
from django_ses.sending.suppression_check import SuppressionListCheck

__all__ = ["SESBackend"]

logger = logging.getLogger(__name__)

#: The pre-send suppression-list lookups must not hold a send up for long.
SUPPRESSION_LIST_TIMEOUTS = {"connect_timeout": 5.0, "read_timeout": 10.0, "attempts": 3}


class SESBackend(BaseEmailBackend):
    """An email backend that sends messages through Amazon SES.

    Every keyword is optional and falls back to its setting (see the settings
    reference). A keyword that is passed wins over the setting, even ``False``
    or ``0``; ``None`` means "use the setting", except for
    ``aws_auto_throttle``, where ``None`` turns throttling off as the setting
    does. On Django 6.1 the keywords are also the ``OPTIONS`` of a ``MAILERS``
    entry.
    """

    def __init__(
        self,
        fail_silently: bool = False,
        aws_session_profile: str | None = UNSET,
        aws_access_key: str | None = UNSET,
        aws_secret_key: str | None = UNSET,
        aws_session_token: str | None = UNSET,
        aws_region_name: str | None = UNSET,
        aws_region_endpoint: str | None = UNSET,
        aws_auto_throttle: float | None = UNSET,
        aws_config: Any = UNSET,
        dkim_domain: str | None = UNSET,
        dkim_key: str | bytes | None = UNSET,
        dkim_selector: str | None = UNSET,
        dkim_headers: Sequence[str] | str | None = UNSET,
        ses_source_arn: str | None = UNSET,
        ses_from_arn: str | None = UNSET,
        ses_return_path_arn: str | None = UNSET,
        use_ses_v2: bool | None = UNSET,
        aws_global_endpoint_id: str | None = UNSET,
        *,
        concurrency: int | None = UNSET,
        alias: str | None = None,
        **kwargs: Any,
    ) -> None:
        passed = dict(locals())  # the keywords, by name (before any other local is bound)
        # fail_silently is not passed on: Django 6.1 deprecates it in the base
        # class and rejects it from MAILERS. Unknown keywords are, so Django
        # reports them its own way (InvalidMailer for a MAILERS entry).
        super().__init__(alias=alias, **kwargs)
        self.fail_silently = bool(fail_silently)
        #: The keywords and settings this backend sends with, resolved once.
        self.options = SendOptions.resolve({k: v for k, v in passed.items() if k in KEYWORDS})
        self.connection: Any = None
        self._owns_connection = False

    # django-ses's attribute names for these options (a subclass may set them).
    dkim_domain = OptionAlias("dkim_domain")
    dkim_key = OptionAlias("dkim_key")
    dkim_selector = OptionAlias("dkim_selector")
    dkim_headers = OptionAlias("dkim_headers")
    ses_source_arn = OptionAlias("source_arn")
    ses_from_arn = OptionAlias("from_arn")
    ses_return_path_arn = OptionAlias("return_path_arn")

    # ------------------------------------------------------------------ client

    @property
    def client_settings(self) -> ClientSettings:
        """What the boto3 client of this backend is built from."""
        return self.options.client_settings()

    def create_session(self) -> Any:
        """Return the boto3 session the client is built from (a subclass hook).

        The default session uses the configured keys or profile, and its client
        is shared by every backend instance of the process. When a subclass
        overrides this method, each backend instance builds its client from the
        session it returns, on :meth:`open`, and closes it on :meth:`close`.
        """
        return create_session(self.client_settings)

    def uses_default_session(self) -> bool:
        """True unless a subclass overrides :meth:`create_session` (then clients are not shared)."""
        return type(self).create_session is SESBackend.create_session

    def open(self) -> bool:
        """Get the SES client. Returns True when this call got it, False otherwise.

        False means the backend was already open, or, with ``fail_silently``,
        that the client could not be built (the error is logged).
        """
        try:
            return self._open()
        except SESError as error:
            if not self.fail_silently:
                raise
            logger.warning("django_ses: could not get an SES client: %s", error)
            return False

    def _open(self) -> bool:
        if self.connection is not None:
            return False
        settings = self.client_settings
        try:
            if self.uses_default_session():
                client = shared_client(settings)
                owned = False
            else:
                client = build_client(self.create_session(), settings)
                owned = True
        except Exception as error:
            typed = from_botocore_error(error)
            if typed is None:
                raise
            raise typed from error
        self.connection = client
        self._owns_connection = owned
        return True

    def close(self) -> None:
        """Release the client (a client from an overridden ``create_session`` is closed)."""
        client, owned = self.connection, self._owns_connection
        self.connection = None
        self._owns_connection = False
        if client is not None and owned:
            close = getattr(client, "close", None)
            if callable(close):
                close()

    # ------------------------------------------------------- suppression list

    def suppression_list_check(self) -> SuppressionListCheck | None:
        """The pre-send check of ``AWS_SES_CHECK_SUPPRESSION_LIST``; ``None`` when it is off."""
        return _suppression_list_check(self) if self.options.check_suppression_list else None

    # ---------------------------------------------------------------- throttle

    @property
    def throttle_key(self) -> str:
        """Identifies the SES account and region whose send rate is shared."""
        return self.options.throttle_key

    def get_rate_limit(self) -> float | None:
        """Return the account's maximum send rate (sends per second), or ``None``.

        A subclass hook: the backend sends at most this rate times
        ``AWS_SES_AUTO_THROTTLE``. ``None`` means "unknown": no throttling.
        """
        opened = self._open()
        try:
            return quota.get_max_send_rate(
                self.connection, use_v2=self.options.use_ses_v2, cache_key=self.throttle_key
            )
        finally:
            if opened:
                self.close()

    def rate_limiter(self) -> throttle.RateLimiter | None:
        """The limiter sends wait on, or ``None`` when sending is not throttled."""
        if not self.options.throttle:
            return None
        rate = self.get_rate_limit()
        if not rate:
            return None
        return throttle.build_rate_limiter(float(rate) * self.options.throttle, self.throttle_key)

    def open_sender(self) -> Sender:
        """Open the client (unless it is open) and the limiter; return the sender.

        Use it as a context manager: leaving it closes the client it opened.
        boto3/botocore errors are raised as typed
        :class:`~django_ses.exceptions.SESError`.
        """
        opened = False
        try:
            opened = self._open()
            limiter = self.rate_limiter()
        except Exception as error:
            if opened:
                self.close()
            typed = from_botocore_error(error)
            if typed is None or typed is error:
                raise
            raise typed from error
        return Sender(
            self.connection,
            limiter,
            use_ses_v2=self.options.use_ses_v2,
            on_close=self.close if opened else None,
            max_wait=web_request.max_wait() if limiter is not None else None,
        )

    # ------------------------------------------------------------------ sending

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        """Send ``email_messages``; return how many SES accepted (0 for none)."""
        outcomes = send_batch(
            list(email_messages or ()),
            self.options,
            fail_silently=self.fail_silently,
            open_sender=self.open_sender,
            concurrency=self.options.concurrency,
            suppression_list=self.suppression_list_check(),
        )
        return _settle(type(self), outcomes, self.options)


def _settle(backend_class: type, outcomes: Iterator[Outcome], options: SendOptions) -> int:
    """Record each outcome and announce each accepted message; how many were accepted."""
    sent = 0
    settled: list[Outcome] = []
    try:
        for outcome in outcomes:
            settled.append(outcome)
            record(outcome)
            if outcome.status.sent:
                sent += 1
                announce_sent(backend_class, outcome.message)
    finally:
        # AWS_SES_SEND_LOG: one bulk insert for the whole call, even when it raises.
        send_log.record_outcomes(settled, options)
    return sent


def _suppression_list_check(backend: SESBackend) -> SuppressionListCheck:
    return SuppressionListCheck(
        backend.throttle_key,
        partial(_suppression_list_client, backend),
        concurrency=backend.options.concurrency,
    )


@contextmanager
def _suppression_list_client(backend: SESBackend) -> Iterator[Any]:
    """A ``sesv2`` client of ``backend``'s account (short timeouts), for the lookups."""
    settings = with_timeouts(
        dataclasses.replace(backend.client_settings, service_name="sesv2"),
        **SUPPRESSION_LIST_TIMEOUTS,  # type: ignore[arg-type]
    )
    if backend.uses_default_session():
        yield shared_client(settings)
        return
    client = build_client(backend.create_session(), settings)
    try:
        yield client
    finally:
        client.close()
