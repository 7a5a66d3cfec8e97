"""``django_ses.SESBackend``: a Django email backend that sends through Amazon SES.

Messages go out as raw MIME, through SES v1 ``SendRawEmail`` (the default) or
SES v2 ``SendEmail`` with ``Content.Raw`` (``USE_SES_V2 = True``).

A call to :meth:`SESBackend.send_messages` works in two phases:

1. every message is prepared: recipients checked (and filtered through the
   blacklist, one query for the whole call), configuration set and tags
   resolved, MIME rendered, DKIM-signed and size-checked. Nothing is sent if a
   message is invalid, unless ``fail_silently`` is set;
2. the prepared messages are sent, in calls of at most 50 recipients,
   throttled when ``AWS_SES_AUTO_THROTTLE`` is on.

Each message then carries ``message.ses_status`` (see :mod:`django_ses.status`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from django_ses import message as mime
from django_ses import signals, transport
from django_ses.conf import get_setting
from django_ses.exceptions import (
    BatchAbortedError,
    InvalidMessageError,
    SESError,
    from_botocore_error,
)
from django_ses.status import FAILED, SENT, SUPPRESSED, UNKNOWN, SESStatus

__all__ = ["SESBackend"]

logger = logging.getLogger("django_ses")


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


#: Default of every constructor keyword: "not passed, use the setting".
UNSET: Any = _Unset()

DEFAULT_AUTO_THROTTLE = 0.5
DEFAULT_DKIM_SELECTOR = "ses"
DEFAULT_DKIM_HEADERS: tuple[str, ...] = ("From", "To", "Cc", "Subject")


def _option(value: Any, setting: str, default: Any = None, fallbacks: tuple[str, ...] = ()) -> Any:
    """A keyword that was passed (even ``False`` or ``0``) wins; ``None`` means "the setting"."""
    if value is not UNSET and value is not None:
        return value
    return get_setting(setting, default, fallbacks=fallbacks)


def _throttle_factor(value: Any) -> float | None:
    if value is None or value is False or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ImproperlyConfigured(
            f"AWS_SES_AUTO_THROTTLE (aws_auto_throttle) is {value!r}; use a number between "
            "0 and 1 (the share of the account's maximum send rate), or None to turn "
            "throttling off."
        )
    return float(value)


@dataclass
class _Prepared:
    """One message, ready to send (or the reason it cannot be)."""

    message: EmailMessage
    raw: bytes = b""
    recipients: list[mime.Recipient] = field(default_factory=list)
    suppressed: tuple[str, ...] = ()
    sender: str | None = None
    configuration_set: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    envelope: mime.Envelope = field(default_factory=mime.Envelope)
    error: BaseException | None = None


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
        alias: str | None = None,
        **kwargs: Any,
    ) -> None:
        # fail_silently is not passed on: Django 6.1 deprecates it in the base
        # class and rejects it from MAILERS. Unknown keywords are, so Django
        # reports them its own way (InvalidMailer for a MAILERS entry).
        super().__init__(alias=alias, **kwargs)
        self.fail_silently = bool(fail_silently)

        self._session_profile: str | None = _option(
            aws_session_profile, "AWS_SES_SESSION_PROFILE", fallbacks=("AWS_SESSION_PROFILE",)
        )
        self._access_key_id: str | None = _option(
            aws_access_key, "AWS_SES_ACCESS_KEY_ID", fallbacks=("AWS_ACCESS_KEY_ID",)
        )
        self._secret_access_key: str | None = _option(
            aws_secret_key, "AWS_SES_SECRET_ACCESS_KEY", fallbacks=("AWS_SECRET_ACCESS_KEY",)
        )
        self._session_token: str | None = _option(
            aws_session_token, "AWS_SES_SESSION_TOKEN", fallbacks=("AWS_SESSION_TOKEN",)
        )
        region_keyword = None if aws_region_name is UNSET else aws_region_name
        self._region_name: str = transport.resolve_region(region_keyword)
        self._config: Any = _option(aws_config, "AWS_SES_CONFIG")
        self._use_ses_v2: bool = bool(_option(use_ses_v2, "USE_SES_V2", False))
        self._global_endpoint_id: str | None = (
            _option(aws_global_endpoint_id, "AWS_SES_GLOBAL_ENDPOINT_ID") or None
        )
        if self._global_endpoint_id and not self._use_ses_v2:
            raise ImproperlyConfigured(
                "AWS_SES_GLOBAL_ENDPOINT_ID (aws_global_endpoint_id) needs SES API v2: "
                "set USE_SES_V2 = True (or pass use_ses_v2=True)."
            )
        self._endpoint_url: str | None = transport.resolve_endpoint_url(
            endpoint_keyword=None if aws_region_endpoint is UNSET else aws_region_endpoint,
            region_keyword=region_keyword,
            global_endpoint_id=self._global_endpoint_id,
        )
        if aws_auto_throttle is UNSET:
            throttle = get_setting("AWS_SES_AUTO_THROTTLE", DEFAULT_AUTO_THROTTLE)
        else:
            throttle = aws_auto_throttle
        self._throttle: float | None = _throttle_factor(throttle)

        self.dkim_domain: str | None = _option(dkim_domain, "DKIM_DOMAIN")
        self.dkim_key: str | bytes | None = _option(dkim_key, "DKIM_PRIVATE_KEY")
        self.dkim_selector: str = _option(dkim_selector, "DKIM_SELECTOR", DEFAULT_DKIM_SELECTOR)
        self.dkim_headers: Sequence[str] | str = _option(
            dkim_headers, "DKIM_HEADERS", DEFAULT_DKIM_HEADERS
        )
        self.ses_source_arn: str | None = _option(ses_source_arn, "AWS_SES_SOURCE_ARN")
        self.ses_from_arn: str | None = _option(ses_from_arn, "AWS_SES_FROM_ARN")
        self.ses_return_path_arn: str | None = _option(
            ses_return_path_arn, "AWS_SES_RETURN_PATH_ARN"
        )
        self._from_email: str | None = get_setting("AWS_SES_FROM_EMAIL") or None
        self._return_path: str | None = get_setting("AWS_SES_RETURN_PATH") or None
        self._configuration_set: str | Callable[..., str | None] | None = get_setting(
            "AWS_SES_CONFIGURATION_SET"
        )
        self._default_tags: Mapping[str, Any] | None = get_setting("AWS_SES_DEFAULT_TAGS")
        self._use_blacklist: bool = bool(get_setting("AWS_SES_USE_BLACKLIST", False))

        self.connection: Any = None
        self._owns_connection = False

    # ------------------------------------------------------------------ client

    @property
    def client_settings(self) -> transport.ClientSettings:
        """What the boto3 client of this backend is built from."""
        return transport.ClientSettings(
            service_name="sesv2" if self._use_ses_v2 else "ses",
            region_name=self._region_name,
            endpoint_url=self._endpoint_url,
            access_key_id=self._access_key_id or None,
            secret_access_key=self._secret_access_key or None,
            session_token=self._session_token or None,
            profile_name=self._session_profile or None,
            config=self._config,
        )

    def create_session(self) -> Any:
        """Return the boto3 session the client is built from (a subclass hook).

        The default session uses the configured keys or profile, and its client
        is shared by every backend instance of the process. When a subclass
        overrides this method, each backend instance builds its client from the
        session it returns, on :meth:`open`, and closes it on :meth:`close`.
        """
        return transport.create_session(self.client_settings)

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
                client = transport.shared_client(settings)
                owned = False
            else:
                client = transport.build_client(self.create_session(), settings)
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

    # ---------------------------------------------------------------- throttle

    @property
    def throttle_key(self) -> str:
        """Identifies the SES account and region whose send rate is shared."""
        account = self._access_key_id or self._session_profile or "default-credentials"
        # The key ends up in cache keys and log lines: never show the access key id itself.
        digest = hashlib.sha256(account.encode()).hexdigest()[:16]
        return f"{digest}@{self._region_name}"

    def get_rate_limit(self) -> float | None:
        """Return the account's maximum send rate (sends per second), or ``None``.

        A subclass hook: the backend sends at most this rate times
        ``AWS_SES_AUTO_THROTTLE``. ``None`` means "unknown": no throttling.
        """
        from django_ses import throttle

        opened = self._open()
        try:
            return throttle.get_max_send_rate(
                self.connection, use_v2=self._use_ses_v2, cache_key=self.throttle_key
            )
        finally:
            if opened:
                self.close()

    def _rate_limiter(self) -> Any:
        if not self._throttle:
            return None
        from django_ses import throttle

        rate = self.get_rate_limit()
        if not rate:
            return None
        return throttle.build_rate_limiter(float(rate) * self._throttle, self.throttle_key)

    # ------------------------------------------------------------------ sending

    def _prepare_for_sending(
        self, email_messages: Sequence[EmailMessage] | None
    ) -> list[_Prepared]:
        """Prepare every message; return those that can be sent (the rest carry their status)."""
        messages = list(email_messages or ())
        if not messages:
            return []
        for message in messages:
            _forget_previous_result(message)
        try:
            prepared = self._prepare_all(messages)
        except Exception as error:
            # The blacklist query failed, for example: nothing was attempted.
            for message in messages:
                _set_status(message, SESStatus(FAILED, error=error))
            raise
        return self._settle_unsendable(prepared)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        """Send ``email_messages``; return how many SES accepted (0 for none)."""
        sendable = self._prepare_for_sending(email_messages)
        if not sendable:
            return 0
        started = self._start_sending(sendable)
        if started is None:
            return 0
        opened, limiter = started
        try:
            return self._send_prepared(sendable, limiter)
        finally:
            if opened:
                self.close()

    def _settle_unsendable(self, prepared: list[_Prepared]) -> list[_Prepared]:
        """Give the messages that will not be sent their status; return the others.

        Without ``fail_silently``, an invalid message raises here, before any
        message of the batch is sent.
        """
        invalid = [p for p in prepared if p.error is not None and not _is_no_recipients(p)]
        if invalid and not self.fail_silently:
            first = invalid[0].error
            assert first is not None
            for item in prepared:
                error = item.error if item.error is not None else _aborted(first)
                _set_status(item.message, SESStatus(FAILED, error=error))
            raise first
        for item in prepared:
            if item.error is not None:
                logger.warning("django_ses: message not sent: %s", item.error)
                _set_status(item.message, SESStatus(FAILED, error=item.error))
            elif not item.recipients:
                _set_status(
                    item.message, SESStatus(SUPPRESSED, suppressed_recipients=item.suppressed)
                )
        return [p for p in prepared if p.error is None and p.recipients]

    def _start_sending(self, sendable: list[_Prepared]) -> tuple[bool, Any] | None:
        """Open the client and get the rate limiter: ``(opened, limiter)``.

        Returns ``None`` when that failed with ``fail_silently`` set.
        """
        opened = False
        try:
            opened = self._open()
            return opened, self._rate_limiter()
        except Exception as error:
            if opened:
                self.close()
            typed = from_botocore_error(error)
            for item in sendable:
                _set_status(item.message, SESStatus(FAILED, error=typed or error))
            if typed is None:
                raise
            if self.fail_silently:
                logger.warning("django_ses: could not get an SES client: %s", typed)
                return None
            if typed is error:
                raise
            raise typed from error

    def _send_prepared(self, sendable: list[_Prepared], limiter: Any) -> int:
        sent = 0
        for index, item in enumerate(sendable):
            try:
                error = self._send_one(item, limiter)
            except BaseException as unexpected:
                # Not an AWS error (a bug in an event hook, KeyboardInterrupt…):
                # report it, with truthful statuses for the rest of the batch.
                for rest in sendable[index + 1 :]:
                    _set_status(rest.message, SESStatus(FAILED, error=_aborted(unexpected)))
                raise
            if error is None:
                sent += 1
                self._notify_sent(item.message)
                continue
            if not self.fail_silently:
                for rest in sendable[index + 1 :]:
                    _set_status(rest.message, SESStatus(FAILED, error=_aborted(error)))
                raise error from error.__cause__
            logger.warning("django_ses: message not sent: %s", error)
        return sent

    def _send_one(self, item: _Prepared, limiter: Any) -> SESError | None:
        """Send one message, in calls of at most 50 recipients; return the error, if any."""
        message_ids: list[str] = []
        request_ids: list[str] = []
        http_status: int | None = None
        chunks = mime.chunk_recipients(item.recipients)
        for position, chunk in enumerate(chunks):
            try:
                if limiter is not None:
                    limiter.acquire(len(chunk))
                response = self._call_api(item, chunk)
            except BaseException as raw_error:
                typed = from_botocore_error(raw_error) if isinstance(raw_error, Exception) else None
                if typed is not None and typed is not raw_error:
                    typed.__cause__ = raw_error
                reported: BaseException = typed if typed is not None else raw_error
                unsent = tuple(r.address for c in chunks[position:] for r in c)
                _set_status(
                    item.message,
                    SESStatus(
                        FAILED if typed is not None and typed.outcome == FAILED else UNKNOWN,
                        message_id=message_ids[0] if message_ids else None,
                        request_id=request_ids[0] if request_ids else _request_id(typed),
                        error=reported,
                        message_ids=tuple(message_ids),
                        suppressed_recipients=item.suppressed,
                        unsent_recipients=unsent,
                    ),
                )
                if typed is None:
                    raise
                return typed
            message_ids.append(str(response.get("MessageId", "")))
            metadata = response.get("ResponseMetadata", {})
            request_ids.append(str(metadata.get("RequestId", "")))
            http_status = http_status or metadata.get("HTTPStatusCode")
        status = SESStatus(
            SENT,
            message_id=message_ids[0],
            request_id=request_ids[0],
            message_ids=tuple(message_ids),
            suppressed_recipients=item.suppressed,
        )
        _set_status(item.message, status)
        # django-ses compatibility: results in extra_headers (never sent as headers).
        item.message.extra_headers["message_id"] = status.message_id
        item.message.extra_headers["request_id"] = status.request_id
        item.message.extra_headers["status"] = http_status or 200
        return None

    def _call_api(self, item: _Prepared, chunk: list[mime.Recipient]) -> Mapping[str, Any]:
        if self._use_ses_v2:
            build_params, send = mime.v2_send_params, self.connection.send_email
        else:
            build_params, send = mime.v1_send_params, self.connection.send_raw_email
        params = build_params(
            item.raw,
            chunk,
            sender=item.sender,
            envelope=item.envelope,
            configuration_set=item.configuration_set,
            tags=item.tags,
        )
        response: Mapping[str, Any] = send(**params)
        return response

    def _notify_sent(self, message: EmailMessage) -> None:
        results = signals.message_sent.send_robust(sender=self.__class__, message=message)
        for receiver, result in results:
            if isinstance(result, Exception):
                logger.error(
                    "django_ses: a message_sent receiver (%r) raised; the message was sent.",
                    receiver,
                    exc_info=(type(result), result, result.__traceback__),
                )

    # -------------------------------------------------------------- preparing

    @property
    def envelope(self) -> mime.Envelope:
        """The request parameters that come from settings and keywords.

        Raises :class:`InvalidMessageError` when ``AWS_SES_RETURN_PATH`` is not
        a valid address.
        """
        return_path = None
        if self._use_ses_v2 and self._return_path:
            return_path = mime.encode_address(self._return_path, field="AWS_SES_RETURN_PATH")
        return mime.Envelope(
            from_email=self._from_email,
            return_path=return_path,
            source_arn=self.ses_source_arn or None,
            from_arn=self.ses_from_arn or None,
            return_path_arn=self.ses_return_path_arn or None,
            global_endpoint_id=self._global_endpoint_id if self._use_ses_v2 else None,
        )

    def _prepare_all(self, messages: list[EmailMessage]) -> list[_Prepared]:
        try:
            envelope = self.envelope
        except InvalidMessageError as error:
            return [_Prepared(message, error=error) for message in messages]
        recipients: dict[int, list[mime.Recipient]] = {}
        prepared: list[_Prepared] = []
        for message in messages:
            try:
                recipients[id(message)] = mime.message_recipients(message)
            except InvalidMessageError as error:
                prepared.append(_Prepared(message, envelope=envelope, error=error))
            else:
                prepared.append(_Prepared(message, envelope=envelope))
        blocked = self._blocked_addresses(r.address for group in recipients.values() for r in group)
        for item in prepared:
            if item.error is None:
                try:
                    self._prepare(item, recipients[id(item.message)], blocked)
                except (InvalidMessageError, ValueError) as error:
                    item.error = error
        return prepared

    def _blocked_addresses(self, addresses: Iterable[str]) -> frozenset[str]:
        """The normalised addresses on the blacklist, in one query for the whole call."""
        if not self._use_blacklist:
            return frozenset()
        from django_ses.blacklist import filter_blacklisted_recipients, normalize_address

        unique = list(dict.fromkeys(addresses))
        if not unique:
            return frozenset()
        allowed = {normalize_address(a) for a in filter_blacklisted_recipients(unique)}
        return frozenset(normalize_address(a) for a in unique) - allowed

    def _prepare(
        self, item: _Prepared, recipients: list[mime.Recipient], blocked: frozenset[str]
    ) -> None:
        message = item.message
        if not recipients:
            raise InvalidMessageError("The message has no recipients (To, Cc or Bcc).")
        to_header: list[str] | None = None
        cc_header: list[str] | None = None
        if blocked:
            from django_ses.blacklist import normalize_address

            def allowed(address: str) -> bool:
                return normalize_address(address) not in blocked

            item.suppressed = tuple(r.address for r in recipients if not allowed(r.address))
            recipients = [r for r in recipients if allowed(r.address)]
            if item.suppressed:
                to_header = [a for a in message.to if a and allowed(str(a))]
                cc_header = [a for a in message.cc if a and allowed(str(a))]
        item.recipients = recipients
        if not recipients:
            return
        item.sender = mime.encode_address(
            str(self._from_email or message.from_email),
            field="AWS_SES_FROM_EMAIL" if self._from_email else "from address",
        )
        item.configuration_set = self._configuration_set_for(message)
        item.tags = mime.merge_tags(self._default_tags, getattr(message, "ses_tags", None))
        raw = mime.render_mime(message, to=to_header, cc=cc_header)
        if self.dkim_domain and self.dkim_key:
            from django_ses import dkim_signing

            raw = dkim_signing.sign_message(
                raw,
                domain=self.dkim_domain,
                private_key=self.dkim_key,
                selector=self.dkim_selector,
                headers=self.dkim_headers,
            )
        mime.check_size(raw, "v2" if self._use_ses_v2 else "v1")
        item.raw = raw

    def _configuration_set_for(self, message: EmailMessage) -> str | None:
        from_header = mime.configuration_set_header(message)
        if from_header:
            return from_header
        setting = self._configuration_set
        if callable(setting):
            value = setting(
                message,
                dkim_domain=self.dkim_domain,
                dkim_key=self.dkim_key,
                dkim_selector=self.dkim_selector,
                dkim_headers=self.dkim_headers,
            )
        else:
            value = setting
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise InvalidMessageError(
                f"AWS_SES_CONFIGURATION_SET gave {value!r}; a configuration set name must be "
                "a string (or the callable must return one, or None)."
            )
        return value


def _forget_previous_result(message: EmailMessage) -> None:
    headers = message.extra_headers
    if headers:
        for key in mime.RESULT_KEYS:
            headers.pop(key, None)


def _set_status(message: EmailMessage, status: SESStatus) -> None:
    message.ses_status = status  # type: ignore[attr-defined]


def _is_no_recipients(item: _Prepared) -> bool:
    return isinstance(item.error, InvalidMessageError) and not item.message.recipients()


def _request_id(error: SESError | None) -> str | None:
    return error.request_id if error is not None else None


def _aborted(cause: BaseException) -> BatchAbortedError:
    aborted = BatchAbortedError(
        f"Not attempted: an earlier message of the same send_messages() call failed ({cause})."
    )
    aborted.__cause__ = cause
    return aborted
