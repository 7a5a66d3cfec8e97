"""The SQS consumer: long-poll the queues, handle each message, delete what was handled.

:class:`EventConsumer` receives up to 10 messages per call (``WaitTimeSeconds``
long polling, an optional ``VisibilityTimeout``), hands each body to
:func:`~django_ses.sqs.handling.handle_body` and deletes the handled ones with
``DeleteMessageBatch``, after their handling committed. A transient failure
leaves the message in the queue for SQS to deliver again. :meth:`stop` (called
from a SIGTERM or SIGINT handler) ends the loop once the current batch is done.

AWS failures raise :class:`ConsumerError` with a sentence saying what to fix
(a bad queue URL, missing permissions, an unreachable endpoint).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from django_ses.aws.errors import error_code, error_message
from django_ses.sqs.handling import Handled, Verdict, describe, handle_body

__all__ = ["MAX_BATCH", "ConsumerError", "ConsumerSettings", "EventConsumer"]

logger = logging.getLogger(__name__)

#: SQS returns at most 10 messages per ReceiveMessage, and deletes at most 10 per batch.
MAX_BATCH = 10

_ACCESS_CODES = {"AccessDenied", "AccessDeniedException", "AuthorizationError"}
_MISSING_QUEUE_CODES = {
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "InvalidAddress",
}


class ConsumerError(Exception):
    """The queue cannot be read or written; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class ConsumerSettings:
    queue_urls: Sequence[str]
    view_class: type[Any]
    wait_seconds: int = 20
    visibility_timeout: int | None = None
    allow_raw: bool = False
    raw_topic_arn: str = ""
    #: Stop after this many messages (``None``: no bound).
    max_messages: int | None = None
    #: One pass over the queues, then stop (cron-style runs).
    once: bool = False


@dataclass
class EventConsumer:
    client: Any
    settings: ConsumerSettings
    #: Called with each message's outcome (the command prints them).
    on_handled: Callable[[str, Handled], None] | None = None
    counts: Counter[str] = field(default_factory=Counter)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """Finish the current batch, then return from :meth:`run`."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self) -> Counter[str]:
        """Consume until stopped, the bound is reached, or (``once``) a pass deletes nothing.

        With ``once``, a pass over the queues that handles nothing (the queues
        are empty, or hold only messages that failed for a transient reason)
        ends the run, so a message that keeps failing cannot hold it forever.
        """
        while not self.stopping:
            deleted_before = self.counts["deleted"]
            for queue_url in self.settings.queue_urls:
                if self.stopping or self._bound_reached():
                    break
                self.consume_batch(queue_url)
            if self._bound_reached() or (
                self.settings.once and self.counts["deleted"] == deleted_before
            ):
                break
        return self.counts

    def _bound_reached(self) -> bool:
        bound = self.settings.max_messages
        return bound is not None and self.counts["received"] >= bound

    def consume_batch(self, queue_url: str) -> int:
        """Receive, handle and delete one batch from ``queue_url``; how many were received."""
        wanted = MAX_BATCH
        if self.settings.max_messages is not None:
            wanted = max(1, min(MAX_BATCH, self.settings.max_messages - self.counts["received"]))
        params: dict[str, Any] = {
            "QueueUrl": queue_url,
            "MaxNumberOfMessages": wanted,
            "WaitTimeSeconds": 0 if self.settings.once else self.settings.wait_seconds,
            "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
        }
        if self.settings.visibility_timeout is not None:
            params["VisibilityTimeout"] = self.settings.visibility_timeout
        answer = self._call("ReceiveMessage", queue_url, self.client.receive_message, **params)
        messages = answer.get("Messages") or []
        done: list[dict[str, str]] = []
        for message in messages:
            self.counts["received"] += 1
            handled = handle_body(
                str(message.get("Body", "")),
                view_class=self.settings.view_class,
                allow_raw=self.settings.allow_raw,
                raw_topic_arn=self.settings.raw_topic_arn,
            )
            self.counts[handled.verdict.value] += 1
            self._log(queue_url, handled)
            if self.on_handled is not None:
                self.on_handled(queue_url, handled)
            if handled.verdict.delete:
                done.append({"Id": str(len(done)), "ReceiptHandle": str(message["ReceiptHandle"])})
        if done:
            self._delete(queue_url, done)
        return len(messages)

    def _delete(self, queue_url: str, entries: list[dict[str, str]]) -> None:
        answer = self._call(
            "DeleteMessageBatch",
            queue_url,
            self.client.delete_message_batch,
            QueueUrl=queue_url,
            Entries=entries,
        )
        failed = answer.get("Failed") or []
        self.counts["deleted"] += len(entries) - len(failed)
        for entry in failed:
            # Handled but not deleted: SQS delivers it again, and the ledger stops it.
            logger.warning(
                "SQS message handled but not deleted (%s: %s); it will be received again "
                "and recognised as a duplicate",
                entry.get("Code"),
                entry.get("Message"),
            )

    def _log(self, queue_url: str, handled: Handled) -> None:
        if handled.verdict is Verdict.REFUSED:
            logger.warning("SQS %s: deleted without processing", describe(handled))
        elif handled.verdict is Verdict.TRANSIENT:
            logger.error("SQS %s: left in the queue for redelivery", describe(handled))
        else:
            logger.info("SQS %s", describe(handled))

    def _call(self, operation: str, queue_url: str, method: Any, **params: Any) -> Any:
        try:
            return method(**params)
        except ClientError as error:
            raise ConsumerError(_explain(operation, queue_url, error)) from error
        except BotoCoreError as error:
            raise ConsumerError(
                f"SQS {operation} failed for {queue_url}: {error}. Check the queue URL's "
                "region and that the SQS endpoint can be reached."
            ) from error


def _explain(operation: str, queue_url: str, error: ClientError) -> str:
    code = error_code(error)
    detail = error_message(error) or code
    if code in _MISSING_QUEUE_CODES:
        return f"SQS has no queue {queue_url} ({detail}): check the queue URL and its region."
    if code in _ACCESS_CODES:
        action = "sqs:ReceiveMessage" if operation == "ReceiveMessage" else "sqs:DeleteMessage"
        return f"Not allowed to {operation} on {queue_url} ({detail}): grant {action}."
    return f"SQS {operation} failed for {queue_url}: {code}: {detail}"
