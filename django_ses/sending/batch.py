"""One ``send_messages()`` call: every message checked before any is sent, then sent.

:func:`prepare_batch` is a generator: it yields the :class:`~django_ses.sending.result.Outcome`
of every message that will not be sent (invalid, or every recipient
suppressed) and returns the ``(message, draft)`` pairs to send. Without
``fail_silently``, an invalid message makes it yield a failed outcome for every
message and then raise that message's error, so nothing of the batch is sent.
The check keeps no rendered MIME (:func:`~django_ses.sending.payload.check_payload`):
each message is rendered when its call comes (:meth:`~django_ses.sending.payload.Draft.render`),
so a batch holds at most as many rendered messages as it has calls in flight.

:func:`send_batch` runs the whole call for :class:`~django_ses.SESBackend`:
it yields each message's outcome as it is settled, and raises (after the
outcomes of the messages not attempted) what must reach the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator, Sequence

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError, SESError
from django_ses.sending import dispatch, mime
from django_ses.sending.options import SendOptions
from django_ses.sending.payload import Draft, check_payload
from django_ses.sending.result import Outcome, aborted, failed, forget_previous_result
from django_ses.sending.sender import Sender
from django_ses.sending.status import SUPPRESSED, SESStatus
from django_ses.sending.suppression import Suppression
from django_ses.sending.suppression_check import SuppressionListCheck

__all__ = ["Sendable", "prepare_batch", "send_batch"]

logger = logging.getLogger(__name__)

#: A message and its draft, checked for sending.
Sendable = tuple[EmailMessage, Draft]
#: A message and its draft, or the reason it cannot be sent.
_Prepared = tuple[EmailMessage, Draft | BaseException]


def prepare_batch(
    messages: Sequence[EmailMessage],
    options: SendOptions,
    *,
    fail_silently: bool,
    suppression_list: SuppressionListCheck | None = None,
) -> Generator[Outcome, None, list[Sendable]]:
    """Yield the outcomes of the messages that will not be sent; return the others.

    ``suppression_list``: the pre-send check of ``AWS_SES_CHECK_SUPPRESSION_LIST``.
    """
    for message in messages:
        forget_previous_result(message)
    try:
        prepared = _prepare_all(messages, options, suppression_list)
    except Exception as error:
        # The blacklist query failed, for example: nothing was attempted.
        for message in messages:
            yield failed(message, error)
        raise
    refusal = None if fail_silently else _first_refusal(prepared)
    if refusal is not None:
        for message, item in prepared:
            yield failed(message, item if isinstance(item, BaseException) else aborted(refusal))
        raise refusal
    sendable: list[Sendable] = []
    for message, item in prepared:
        if isinstance(item, BaseException):
            logger.warning("django_ses: message not sent: %s", item)
            yield failed(message, item)
        elif not item.head.recipients:
            status = SESStatus(
                SUPPRESSED,
                suppressed_recipients=item.head.suppressed,
                suppression_list_recipients=item.head.on_suppression_list,
            )
            yield Outcome(message, status)
        else:
            sendable.append((message, item))
    return sendable


def _first_refusal(prepared: list[_Prepared]) -> BaseException | None:
    """The first error that stops the batch (a message without recipients does not)."""
    for message, item in prepared:
        if isinstance(item, BaseException) and not _has_no_recipients(message, item):
            return item
    return None


def _has_no_recipients(message: EmailMessage, error: BaseException) -> bool:
    return isinstance(error, InvalidMessageError) and not message.recipients()


def _prepare_all(
    messages: Sequence[EmailMessage],
    options: SendOptions,
    suppression_list: SuppressionListCheck | None,
) -> list[_Prepared]:
    try:
        envelope = options.envelope()
    except InvalidMessageError as error:
        return [(message, error) for message in messages]
    recipients: dict[int, list[mime.Recipient] | InvalidMessageError] = {}
    for message in messages:
        try:
            recipients[id(message)] = mime.message_recipients(message)
        except InvalidMessageError as error:
            recipients[id(message)] = error
    suppression = Suppression.lookup(
        (r.address for group in recipients.values() if isinstance(group, list) for r in group),
        enabled=options.use_blacklist,
        suppression_list=suppression_list,
    )
    prepared: list[_Prepared] = []
    for message in messages:
        group = recipients[id(message)]
        if isinstance(group, InvalidMessageError):
            prepared.append((message, group))
            continue
        try:
            draft = check_payload(
                message, group, options=options, envelope=envelope, suppression=suppression
            )
        except (InvalidMessageError, ValueError) as error:
            prepared.append((message, error))
        else:
            prepared.append((message, draft))
    return prepared


def send_batch(
    messages: Sequence[EmailMessage],
    options: SendOptions,
    *,
    fail_silently: bool,
    open_sender: Callable[[], Sender],
    concurrency: int = 1,
    suppression_list: SuppressionListCheck | None = None,
) -> Iterator[Outcome]:
    """The outcome of each message as it is settled (then any error).

    ``open_sender`` is called once, when there is something to send. With
    ``concurrency`` above 1 and more than one message to send, they are sent
    that many at once (:func:`~django_ses.sending.dispatch.send_concurrently`),
    and the outcomes of those sent come in the order their calls finish.
    """
    if not messages:
        return
    sendable = yield from prepare_batch(
        messages, options, fail_silently=fail_silently, suppression_list=suppression_list
    )
    if not sendable:
        return
    try:
        sender = open_sender()
    except Exception as error:
        for message, _ in sendable:
            yield failed(message, error)
        if not isinstance(error, SESError) or not fail_silently:
            raise
        logger.warning("django_ses: could not get an SES client: %s", error)
        return
    with sender:
        if concurrency > 1 and len(sendable) > 1:
            yield from dispatch.send_concurrently(
                sendable, sender, fail_silently=fail_silently, concurrency=concurrency
            )
        else:
            yield from dispatch.send_sequentially(sendable, sender, fail_silently=fail_silently)
