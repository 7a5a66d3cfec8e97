"""The one sender: an :class:`EmailPayload` through the throttle, one AWS call per chunk.

:meth:`Sender.send` never raises for a failed call: the returned
:class:`~django_ses.sending.result.Outcome` carries the error (a typed
:class:`~django_ses.exceptions.SESError`, or, for anything that is not an AWS
error, the exception itself, which the caller re-raises).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from django.core.mail import EmailMessage

from django_ses.exceptions import SESError, from_botocore_error
from django_ses.sending import request, wire
from django_ses.sending.mime import Recipient
from django_ses.sending.payload import EmailPayload
from django_ses.sending.result import Outcome
from django_ses.sending.status import FAILED, SENT, UNKNOWN, SESStatus
from django_ses.sending.throttle import RateLimiter

__all__ = ["ChunkAccepted", "Sender"]

#: The progress hook: called with each group of recipients SES accepted and its message id.
ChunkAccepted = Callable[[Sequence[Recipient], str], None]


class Sender:
    """Sends payloads with one SES client, under one rate limiter (or none).

    A context manager: leaving it calls ``on_close`` (the backend closes the
    client it opened for this send).
    """

    def __init__(
        self,
        client: Any,
        limiter: RateLimiter | None,
        *,
        use_ses_v2: bool,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        wire.install(client)  # large raw messages are streamed, not copied
        self._limiter = limiter
        self._use_ses_v2 = use_ses_v2
        self._on_close = on_close

    def __enter__(self) -> Sender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._on_close is not None:
            self._on_close()

    def send(
        self,
        message: EmailMessage,
        payload: EmailPayload,
        *,
        on_accepted: ChunkAccepted | None = None,
    ) -> Outcome:
        """Send ``payload`` (for ``message``) in calls of at most 50 recipients.

        Stops at the first call that fails; ``on_accepted`` is called after
        each call SES accepted.
        """
        message_ids: list[str] = []
        request_ids: list[str] = []
        http_status: int | None = None
        chunks = payload.chunks()
        for position, chunk in enumerate(chunks):
            try:
                if self._limiter is not None:
                    self._limiter.acquire(len(chunk))
                response = self._call(payload, chunk)
            except BaseException as raw_error:
                error = _typed(raw_error)
                typed = error if isinstance(error, SESError) else None
                status = SESStatus(
                    FAILED if typed is not None and typed.outcome == FAILED else UNKNOWN,
                    message_id=message_ids[0] if message_ids else None,
                    request_id=request_ids[0] if request_ids else _request_id(typed),
                    error=error,
                    message_ids=tuple(message_ids),
                    suppressed_recipients=payload.suppressed,
                    unsent_recipients=tuple(r.address for c in chunks[position:] for r in c),
                )
                return Outcome(message, status)
            message_id = str(response.get("MessageId", ""))
            metadata = response.get("ResponseMetadata", {})
            message_ids.append(message_id)
            request_ids.append(str(metadata.get("RequestId", "")))
            http_status = http_status or metadata.get("HTTPStatusCode")
            if on_accepted is not None:
                on_accepted(chunk, message_id)
        status = SESStatus(
            SENT,
            message_id=message_ids[0],
            request_id=request_ids[0],
            message_ids=tuple(message_ids),
            suppressed_recipients=payload.suppressed,
        )
        return Outcome(message, status, http_status=http_status)

    def _call(self, payload: EmailPayload, chunk: list[Recipient]) -> Mapping[str, Any]:
        if self._use_ses_v2:
            build_params, send = request.v2_send_params, self._client.send_email
        else:
            build_params, send = request.v1_send_params, self._client.send_raw_email
        params = build_params(
            payload.raw,
            chunk,
            sender=payload.sender,
            envelope=payload.envelope,
            configuration_set=payload.configuration_set,
            tags=payload.tags,
        )
        response: Mapping[str, Any] = send(**params)
        return response


def _typed(raw_error: BaseException) -> BaseException:
    """The typed SES error for ``raw_error`` (raised from it), or ``raw_error`` itself."""
    typed = from_botocore_error(raw_error) if isinstance(raw_error, Exception) else None
    if typed is None:
        return raw_error
    if typed is not raw_error:
        typed.__cause__ = raw_error
    return typed


def _request_id(error: SESError | None) -> str | None:
    return error.request_id if error is not None else None
