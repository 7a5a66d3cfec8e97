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

import botocore.exceptions
from django.core.mail import EmailMessage

from django_ses.aws.errors import BULK_ENTRY_ERRORS
from django_ses.exceptions import SESError, from_botocore_error
from django_ses.sending import request, template_request, wire
from django_ses.sending.boarding import Ticket, boarding, install
from django_ses.sending.mime import Recipient
from django_ses.sending.payload import EmailPayload
from django_ses.sending.request import RequestParts
from django_ses.sending.result import Outcome
from django_ses.sending.status import FAILED, SENT, UNKNOWN, DestinationStatus, SESStatus, Status
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
        max_wait: float | None = None,
    ) -> None:
        self._client = client
        wire.install(client)  # large raw messages are streamed, not copied
        self._limiter = limiter
        if limiter is not None:
            # The throttle's last check as each request is written (a test double of a
            # client has none: its sends wait before the call only).
            install(client)
        self._use_ses_v2 = use_ses_v2
        self._on_close = on_close
        #: The longest a send may wait for the rate (in a web request), or ``None``.
        self.max_wait = max_wait

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

    # ------------------------------------------------ bookings made ahead (a concurrent batch)

    def book(self, payloads: Sequence[EmailPayload]) -> tuple[int, float | None]:
        """Book the first call of one of ``payloads``; return its index and booked start.

        Only their recipients are read (a :class:`~django_ses.sending.payload.Draft`'s
        ``head`` will do).

        The one that can go first (:func:`~django_ses.sending.throttle.pick_send`);
        unthrottled, the first one, with no booking (``None``). Raises
        :class:`~django_ses.exceptions.ThrottleWaitTooLongError` when it would
        wait longer than :attr:`max_wait` (nothing is then booked).
        """
        if self._limiter is None:
            return 0, None
        counts = [payload.first_call_size for payload in payloads]
        index, start = self._limiter.reserve_any(counts)
        self._limiter.check_wait(start, counts[index], self.max_wait)
        return index, start

    def wait(self, booked: float | None) -> None:
        """Sleep until the booked start of a call."""
        if self._limiter is not None and booked is not None:
            self._limiter.wait_until(booked)

    def refund(self, booked: float | None, payload: EmailPayload) -> None:
        """Give back the booking of ``payload``'s first call (it was not made)."""
        if self._limiter is not None and booked is not None:
            self._limiter.refund(booked, payload.first_call_size)

    # ------------------------------------------------------------------------ sending

    def send(
        self,
        message: EmailMessage,
        payload: EmailPayload,
        *,
        on_accepted: ChunkAccepted | None = None,
        booked: float | None = None,
    ) -> Outcome:
        """Send ``payload`` (for ``message``) in calls of at most 50 recipients.

        Stops at the first call that fails; ``on_accepted`` is called after
        each call SES accepted (with the destinations it accepted). ``booked``
        is the start :meth:`book` gave the first call, already waited for. A
        call SES did not accept (a rejection, a refused connection), and each
        destination of a bulk call SES refused, gives its booking back.
        """
        accepted: list[DestinationStatus] = []
        refused: list[DestinationStatus] = []
        request_ids: list[str] = []
        http_status: int | None = None
        chunks = payload.chunks()
        for position, chunk in enumerate(chunks):
            ticket: Ticket | None = None
            try:
                if self._limiter is None:
                    response, results = self._call(payload, chunk)
                else:
                    start = booked if position == 0 else None
                    if start is None:
                        start = self._limiter.acquire(len(chunk), max_wait=self.max_wait)
                    ticket = Ticket(self._limiter, len(chunk), start)
                    with boarding(ticket):
                        response, results = self._call(payload, chunk)
            except BaseException as raw_error:
                error = _typed(raw_error)
                typed = error if isinstance(error, SESError) else None
                if ticket is not None and typed is not None and typed.outcome == FAILED:
                    ticket.limiter.refund(ticket.start, ticket.count)  # SES did not accept it
                status = FAILED if typed is not None and typed.outcome == FAILED else UNKNOWN
                unsent = [r for c in chunks[position:] for r in c]
                return Outcome(
                    message,
                    _status(
                        status,
                        accepted,
                        [*refused, *(_destination(r, status, error=error) for r in unsent)],
                        request_ids or [_request_id(typed) or ""],
                        payload,
                        error,
                    ),
                )
            metadata = response.get("ResponseMetadata", {})
            request_ids.append(str(metadata.get("RequestId", "")))
            http_status = http_status or metadata.get("HTTPStatusCode")
            now_accepted = [d for d in results if d.status == SENT]
            accepted.extend(now_accepted)
            refused.extend(d for d in results if d.status != SENT)
            if ticket is not None and len(results) > len(now_accepted):
                # Bulk entries SES refused were not sent: their share goes back.
                ticket.limiter.refund(ticket.start, len(results) - len(now_accepted))
            if on_accepted is not None and now_accepted:
                by_destination = {d.destination for d in now_accepted}
                on_accepted(
                    [r for r in chunk if r.destination in by_destination],
                    str(now_accepted[0].message_id),
                )
        if not accepted:
            first = refused[0].error if refused else None
            return Outcome(message, _status(FAILED, accepted, refused, request_ids, payload, first))
        first_refusal = refused[0].error if refused else None
        result = _status(SENT, accepted, refused, request_ids, payload, first_refusal)
        return Outcome(message, result, http_status=http_status)

    def _call(
        self, payload: EmailPayload, chunk: list[Recipient]
    ) -> tuple[Mapping[str, Any], list[DestinationStatus]]:
        """Send one chunk; the answer, and what it says about each destination."""
        parts: RequestParts = {
            "sender": payload.sender,
            "envelope": payload.envelope,
            "configuration_set": payload.configuration_set,
            "tags": payload.tags,
        }
        spec = payload.template
        # SendBulkEmail has no ListManagementOptions: such a message goes one SendEmail each.
        managed = payload.list_management
        if spec is not None and spec.is_bulk and managed is None:
            response = self._client.send_bulk_email(
                **template_request.v2_bulk_params(spec, chunk, **parts)
            )
            return response, _bulk_results(chunk, response)
        if spec is not None:
            params = template_request.v2_template_params(spec, chunk, **parts)
        elif self._use_ses_v2:
            params = request.v2_send_params(payload.raw_for(chunk), chunk, **parts)
        else:
            params = request.v1_send_params(payload.raw_for(chunk), chunk, **parts)
        if managed is not None:
            params["ListManagementOptions"] = dict(managed)
        if spec is None and not self._use_ses_v2:
            response = self._client.send_raw_email(**params)
        else:
            response = self._client.send_email(**params)
        message_id = str(response.get("MessageId", ""))
        return response, [_destination(r, SENT, message_id=message_id) for r in chunk]


def _destination(
    recipient: Recipient,
    status: Status,
    *,
    message_id: str | None = None,
    error: BaseException | None = None,
) -> DestinationStatus:
    return DestinationStatus(
        recipient.address, recipient.destination, status, message_id=message_id, error=error
    )


def _bulk_results(
    chunk: Sequence[Recipient], response: Mapping[str, Any]
) -> list[DestinationStatus]:
    """Each destination's fate in a ``SendBulkEmail`` answer (entries are in request order)."""
    entries = list(response.get("BulkEmailEntryResults") or ())
    metadata = response.get("ResponseMetadata", {})
    results: list[DestinationStatus] = []
    for index, recipient in enumerate(chunk):
        entry = entries[index] if index < len(entries) else {"Status": "FAILED"}
        entry_status = str(entry.get("Status") or "FAILED")
        if entry_status == "SUCCESS":
            results.append(_destination(recipient, SENT, message_id=str(entry.get("MessageId"))))
            continue
        code, default_message = BULK_ENTRY_ERRORS.get(entry_status, ("InternalFailure", ""))
        error_message = str(entry.get("Error") or default_message or entry_status)
        if entry_status == "ACCOUNT_DAILY_QUOTA_EXCEEDED":
            error_message = f"{default_message}: {error_message}"
        error = from_botocore_error(
            botocore.exceptions.ClientError(
                {
                    "Error": {"Code": code, "Message": error_message},
                    "ResponseMetadata": dict(metadata),  # type: ignore[typeddict-item]
                },
                "SendBulkEmail",
            )
        )
        results.append(_destination(recipient, FAILED, error=error))
    return results


def _status(
    status: Status,
    accepted: Sequence[DestinationStatus],
    refused: Sequence[DestinationStatus],
    request_ids: Sequence[str],
    payload: EmailPayload,
    error: BaseException | None,
) -> SESStatus:
    message_ids = tuple(dict.fromkeys(str(d.message_id) for d in accepted))
    order = {r.destination: i for i, r in enumerate(payload.recipients)}
    destinations = sorted([*accepted, *refused], key=lambda d: order.get(d.destination, 0))
    return SESStatus(
        status,
        message_id=message_ids[0] if message_ids else None,
        request_id=request_ids[0] if request_ids and request_ids[0] else None,
        error=error,
        message_ids=message_ids,
        suppressed_recipients=payload.suppressed,
        suppression_list_recipients=payload.on_suppression_list,
        unsent_recipients=tuple(d.address for d in destinations if d.status != SENT),
        destinations=tuple(destinations),
    )


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
