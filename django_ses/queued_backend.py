"""``django_ses.QueuedSESBackend``: send through SES from Django Tasks workers.

``send_messages()`` does the cheap, synchronous part of
:class:`~django_ses.backend.SESBackend`'s work, then enqueues one
``django_ses.tasks.send_queued_email`` task per message:

1. every message is validated and prepared exactly as ``SESBackend`` does
   (recipients, blacklist, configuration set, tags, MIME, DKIM signature, size).
   An invalid message raises the same error, before anything is queued;
2. each valid message becomes a JSON-safe payload
   (:class:`~django_ses.queued_message.QueuedEmail`) and is enqueued; it gets
   ``message.ses_status.status == "queued"`` and ``message.ses_task_result``.

A worker then runs :func:`deliver`: the blacklist is checked again, the
message is sent in calls of at most 50 recipients, throttled by the same
limiter as ``SESBackend`` (``AWS_SES_RATE_LIMIT_CACHE`` makes every worker
share the account's rate), and ``message_sent`` fires.

Delivery progress (the recipients SES accepted, with the message ids) is kept
for :data:`PROGRESS_TTL` in the cache named by ``AWS_SES_RATE_LIMIT_CACHE``, or
the default cache, under ``django_ses:queued:<delivery_id>``: a task that runs
again (a retry after a failed chunk, or a queue that delivers a task twice)
never sends to a recipient SES already accepted. While a worker sends, it holds
``django_ses:queued:<delivery_id>:lock`` (at most :data:`DELIVERY_LOCK_TTL`);
a duplicate run meanwhile raises :class:`DeliveryInProgressError`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from django_ses import message as mime
from django_ses.backend import (
    UNSET,
    SESBackend,
    _aborted,
    _Prepared,
    _set_status,
)
from django_ses.conf import get_setting
from django_ses.exceptions import (
    InvalidMessageError,
    SESConnectionError,
    SESError,
    SESServerError,
    ThrottledError,
    from_botocore_error,
)
from django_ses.queued_message import QueuedEmail
from django_ses.status import FAILED, QUEUED, SENT, SUPPRESSED, SESStatus

__all__ = [
    "DELIVERY_LOCK_TTL",
    "PROGRESS_TTL",
    "DeliveryInProgressError",
    "QueuedSESBackend",
    "deliver",
    "is_retryable",
]

logger = logging.getLogger("django_ses")

#: Seconds the delivery progress of a queued message is kept (7 days).
PROGRESS_TTL = 7 * 24 * 3600

#: Seconds a worker holds a queued message while it sends it (15 minutes).
DELIVERY_LOCK_TTL = 15 * 60

#: Constructor keywords that travel in the payload (JSON-safe, not secret).
_QUEUED_OPTIONS = (
    "aws_session_profile",
    "aws_region_name",
    "aws_region_endpoint",
    "aws_auto_throttle",
    "ses_source_arn",
    "ses_from_arn",
    "ses_return_path_arn",
    "use_ses_v2",
    "aws_global_endpoint_id",
)
#: Keywords that cannot travel in a task payload (secret, or not JSON-safe).
_UNQUEUEABLE_OPTIONS = ("aws_access_key", "aws_secret_key", "aws_session_token", "aws_config")


class DeliveryInProgressError(SESError):
    """Another worker is sending the same queued message right now (a duplicate task).

    Raised so the task fails and can be run again later; by then the other
    worker has finished and the retry sends nothing twice.
    """


class QueuedSESBackend(SESBackend):
    """An email backend that queues each message as a Django task; workers send it.

    It takes ``SESBackend``'s keywords. The credential keywords and
    ``aws_config`` cannot be put in a task payload: set them as settings (or,
    on Django 6.1, in the ``MAILERS`` ``OPTIONS`` the backend comes from, which
    workers read from their own settings). ``send_messages()`` returns the
    number of messages queued.
    """

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently, **kwargs)
        mailer = self._mailers_alias()
        passed = {k for k in _UNQUEUEABLE_OPTIONS if kwargs.get(k, UNSET) not in (UNSET, None)}
        if passed and mailer is None:
            raise ImproperlyConfigured(
                f"QueuedSESBackend got {', '.join(sorted(passed))}: credentials and "
                "botocore Config objects are never put in the task queue. Set them in "
                "the settings the workers read (AWS_SES_ACCESS_KEY_ID, "
                "AWS_SES_SECRET_ACCESS_KEY, AWS_SES_SESSION_TOKEN, AWS_SES_CONFIG) or in "
                "their environment."
            )
        self._mailer = mailer
        self._queued_options = {
            k: kwargs[k] for k in _QUEUED_OPTIONS if kwargs.get(k, UNSET) is not UNSET
        }

    def _mailers_alias(self) -> str | None:
        """The Django 6.1 ``MAILERS`` alias this backend was built from, if any."""
        alias = getattr(self, "alias", None)
        mailers = get_setting("MAILERS")
        if isinstance(alias, str) and isinstance(mailers, dict) and alias in mailers:
            return alias
        return None

    # ------------------------------------------------------------ enqueueing

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        """Validate ``email_messages`` and queue one task per valid message.

        Returns the number of messages queued (0 for none).
        """
        if not email_messages:
            return 0
        from django_ses.tasks import get_task

        task = get_task()
        sendable = self._prepare_for_sending(email_messages)
        queued = 0
        for index, item in enumerate(sendable):
            try:
                result = task.enqueue(self._queued_email(item).to_payload())
            except Exception as error:
                _set_status(item.message, SESStatus(FAILED, error=error))
                for rest in sendable[index + 1 :]:
                    _set_status(rest.message, SESStatus(FAILED, error=_aborted(error)))
                if not self.fail_silently:
                    raise
                logger.warning("django_ses: could not queue a message: %s", error)
                break
            _set_status(item.message, SESStatus(QUEUED, suppressed_recipients=item.suppressed))
            item.message.ses_task_result = result  # type: ignore[attr-defined]
            queued += 1
        return queued

    def _queued_email(self, item: _Prepared) -> QueuedEmail:
        message = item.message
        return QueuedEmail(
            raw=item.raw,
            recipients=tuple(item.recipients),
            sender=item.sender,
            envelope=item.envelope,
            configuration_set=item.configuration_set,
            tags=item.tags,
            suppressed_recipients=item.suppressed,
            subject=str(message.subject or ""),
            from_email=str(message.from_email or ""),
            backend=f"{type(self).__module__}.{type(self).__qualname__}",
            options={} if self._mailer else self._queued_options,
            mailer=self._mailer,
        )

    # ------------------------------------------------------------- delivering

    def deliver(self, queued: QueuedEmail) -> dict[str, Any]:
        """Send a queued message now (the worker's side); return a JSON-safe summary.

        See :func:`deliver` for what is raised and what is returned.
        """
        progress = _Progress(queued.delivery_id)
        if not progress.lock():
            raise DeliveryInProgressError(
                f"Queued message {queued.delivery_id} is being sent by another worker; run "
                "this task again later (it will not send to anyone twice)."
            )
        try:
            return self._deliver(queued, progress)
        finally:
            progress.unlock()

    def _deliver(self, queued: QueuedEmail, progress: _Progress) -> dict[str, Any]:
        message = queued.rebuild_message()
        progress.load()
        if progress.completed:
            logger.info(
                "django_ses: queued message %s was already sent; not sending it again.",
                queued.delivery_id,
            )
            status = _sent_status(progress, [], progress.suppressed)
            _set_status(message, status)
            return _summary(queued, status)
        remaining = [r for r in queued.recipients if r.destination.lower() not in progress.accepted]
        blocked = self._blocked_addresses(r.address for r in remaining)
        suppressed = queued.suppressed_recipients
        if blocked:
            from django_ses.blacklist import normalize_address

            suppressed += tuple(
                r.address for r in remaining if normalize_address(r.address) in blocked
            )
            remaining = [r for r in remaining if normalize_address(r.address) not in blocked]
        if not remaining and not progress.message_ids:
            status = SESStatus(SUPPRESSED, suppressed_recipients=suppressed)
            _set_status(message, status)
            logger.info(
                "django_ses: queued message %s not sent: every recipient is on the blacklist.",
                queued.delivery_id,
            )
            return _summary(queued, status)
        item = _Prepared(
            message,
            raw=queued.raw,
            recipients=remaining,
            suppressed=suppressed,
            sender=queued.sender,
            configuration_set=queued.configuration_set,
            tags=dict(queued.tags),
            envelope=queued.envelope,
        )
        request_ids: list[str] = []
        if remaining:
            opened, limiter = self._open_for_delivery()
            try:
                chunks = mime.chunk_recipients(remaining)
                for position, chunk in enumerate(chunks):
                    error = self._send_one(replace(item, recipients=chunk), limiter)
                    if error is not None:
                        unsent = [r for c in chunks[position:] for r in c]
                        return self._delivery_failed(queued, item, progress, error, unsent)
                    chunk_status: SESStatus = message.ses_status  # type: ignore[attr-defined]
                    progress.record_accepted(chunk, chunk_status.message_id or "")
                    request_ids.append(chunk_status.request_id or "")
            finally:
                if opened:
                    self.close()
        progress.record_completed(suppressed)
        status = _sent_status(progress, request_ids, suppressed)
        _set_status(message, status)
        message.extra_headers["message_id"] = status.message_id
        message.extra_headers["request_id"] = status.request_id
        message.extra_headers["status"] = 200
        self._notify_sent(message)
        return _summary(queued, status)

    def _open_for_delivery(self) -> tuple[bool, Any]:
        opened = False
        try:
            opened = self._open()
            return opened, self._rate_limiter()
        except Exception as error:
            if opened:
                self.close()
            typed = from_botocore_error(error)
            if typed is None or typed is error:
                raise
            raise typed from error

    def _delivery_failed(
        self,
        queued: QueuedEmail,
        item: _Prepared,
        progress: _Progress,
        error: SESError,
        unsent: list[mime.Recipient],
    ) -> dict[str, Any]:
        status = SESStatus(
            error.outcome,  # type: ignore[arg-type]
            message_id=progress.message_ids[0] if progress.message_ids else None,
            request_id=error.request_id,
            error=error,
            message_ids=tuple(progress.message_ids),
            suppressed_recipients=item.suppressed,
            unsent_recipients=tuple(r.address for r in unsent),
        )
        _set_status(item.message, status)
        if is_retryable(error):
            logger.warning(
                "django_ses: queued message %s not sent to %d recipient(s), will fail the "
                "task so it can be retried: %s",
                queued.delivery_id,
                len(unsent),
                error,
            )
            raise error from error.__cause__
        logger.error(
            "django_ses: queued message %s rejected by SES for %d recipient(s) (%s); it "
            "will not be retried: %s",
            queued.delivery_id,
            len(unsent),
            ", ".join(r.destination for r in unsent),
            error,
        )
        return _summary(queued, status)


def is_retryable(error: BaseException) -> bool:
    """True when sending again later may succeed without changing the message.

    Throttling and quota errors, network failures and SES server errors are
    transient; SES configuration and permission problems, paused sending and
    credential errors need an operator but not a different message. Rejected
    or invalid messages (and any other SES 4xx) are not retryable.
    """
    from django_ses.exceptions import (
        ConfigurationError,
        SendingPausedError,
        SESClientSetupError,
    )

    return isinstance(
        error,
        (
            ThrottledError,
            SESConnectionError,
            SESServerError,
            DeliveryInProgressError,
            ConfigurationError,
            SendingPausedError,
            SESClientSetupError,
        ),
    )


def deliver(payload: Any) -> dict[str, Any]:
    """Send the message of a ``send_queued_email`` payload; return a JSON-safe summary.

    The summary: ``delivery_id``, ``status`` (``"sent"``, ``"failed"`` or
    ``"suppressed"``), ``message_ids``, ``suppressed_recipients``,
    ``unsent_recipients``, ``error`` and ``error_code``.

    * Transient failures (throttling, network, SES 5xx) and AWS-side problems
      that an operator must fix (configuration set or identity missing,
      permissions, paused sending, credentials) raise the typed
      :class:`~django_ses.exceptions.SESError`, so the task backend records a
      failed attempt. Running the task again sends only to the recipients SES
      has not accepted yet.
    * A worker that cannot build the backend (the backend class cannot be
      imported, the ``MAILERS`` alias is missing, a bad setting) raises
      :class:`~django.core.exceptions.ImproperlyConfigured`, likewise.
    * A message SES rejects (``MessageRejected``, any other 4xx) and a payload
      that cannot be read are logged at ERROR and returned with status
      ``"failed"``: the task succeeds, as retrying cannot help.
    """
    try:
        queued = QueuedEmail.from_payload(payload)
        backend = _backend_for(queued)
    except InvalidMessageError as error:
        delivery_id = payload.get("delivery_id") if isinstance(payload, dict) else None
        logger.error("django_ses: cannot send queued message %s: %s", delivery_id, error)
        return {
            "delivery_id": delivery_id,
            "status": FAILED,
            "message_ids": [],
            "suppressed_recipients": [],
            "unsent_recipients": [],
            "error": str(error),
            "error_code": None,
        }
    return backend.deliver(queued)


def _backend_for(queued: QueuedEmail) -> QueuedSESBackend:
    try:
        backend_class = import_string(queued.backend)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"The message was queued for the backend {queued.backend!r}, which this worker "
            f"cannot import: {error}"
        ) from error
    if not (isinstance(backend_class, type) and issubclass(backend_class, QueuedSESBackend)):
        raise InvalidMessageError(
            f"Not a django_ses queued email payload: {queued.backend!r} is not a "
            "QueuedSESBackend subclass."
        )
    if queued.mailer is None:
        return backend_class(**queued.options)
    mailers = get_setting("MAILERS") or {}
    if queued.mailer not in mailers:
        raise ImproperlyConfigured(
            f"The message was queued by the mailer {queued.mailer!r}, which MAILERS does "
            "not define in this worker."
        )
    options = dict(mailers[queued.mailer].get("OPTIONS") or {})
    return backend_class(alias=queued.mailer, **options)


class _Progress:
    """The recipients SES accepted for one queued message, kept in a cache."""

    def __init__(self, delivery_id: str) -> None:
        self._key = f"django_ses:queued:{delivery_id}"
        self._lock_token = uuid.uuid4().hex
        self.accepted: set[str] = set()
        self.message_ids: list[str] = []
        self.suppressed: tuple[str, ...] = ()
        self.completed = False

    def lock(self) -> bool:
        """Take the message for this worker; False when another worker has it."""
        return bool(self._cache().add(f"{self._key}:lock", self._lock_token, DELIVERY_LOCK_TTL))

    def unlock(self) -> None:
        try:
            cache = self._cache()
            if cache.get(f"{self._key}:lock") == self._lock_token:
                cache.delete(f"{self._key}:lock")
        except Exception:
            logger.warning("django_ses: could not release %s:lock", self._key, exc_info=True)

    def load(self) -> None:
        state = self._cache().get(self._key) or {}
        self.accepted = set(state.get("accepted", ()))
        self.message_ids = list(state.get("message_ids", ()))
        self.suppressed = tuple(state.get("suppressed", ()))
        self.completed = bool(state.get("completed", False))

    @staticmethod
    def _cache() -> Any:
        from django.core.cache import caches

        from django_ses import throttle

        return caches[throttle.rate_limit_cache_alias() or "default"]

    def record_accepted(self, chunk: Sequence[mime.Recipient], message_id: str) -> None:
        self.accepted.update(r.destination.lower() for r in chunk)
        self.message_ids.append(message_id)
        self._save()

    def record_completed(self, suppressed: tuple[str, ...]) -> None:
        self.completed = True
        self.suppressed = suppressed
        self._save()

    def _save(self) -> None:
        state = {
            "accepted": sorted(self.accepted),
            "message_ids": self.message_ids,
            "suppressed": list(self.suppressed),
            "completed": self.completed,
        }
        try:
            self._cache().set(self._key, state, PROGRESS_TTL)
        except Exception:
            logger.exception(
                "django_ses: could not record the delivery progress of %s; a retry of this "
                "task could send to these recipients again.",
                self._key,
            )


def _sent_status(
    progress: _Progress, request_ids: list[str], suppressed: tuple[str, ...]
) -> SESStatus:
    return SESStatus(
        SENT,
        message_id=progress.message_ids[0] if progress.message_ids else None,
        request_id=request_ids[0] if request_ids else None,
        message_ids=tuple(progress.message_ids),
        suppressed_recipients=suppressed,
    )


def _summary(queued: QueuedEmail, status: SESStatus) -> dict[str, Any]:
    error = status.error
    return {
        "delivery_id": queued.delivery_id,
        "status": status.status,
        "message_ids": list(status.message_ids),
        "suppressed_recipients": list(status.suppressed_recipients),
        "unsent_recipients": list(status.unsent_recipients),
        "error": str(error) if error is not None else None,
        "error_code": error.ses_code if isinstance(error, SESError) else None,
    }
