"""SES's mailbox simulator, played by the local SES.

For each accepted message, the notifications SES would publish for its
recipients (see :func:`~django_ses.testing.notifications.simulator_outcomes`:
``success@``, ``bounce@``, ``complaint@``, ``ooto@``,
``suppressionlist@simulator.amazonses.com``, and ``delay@`` for a
DeliveryDelay) are published through SNS's ``Publish``, in a background
thread, to:

* the topic given to :meth:`MailboxSimulator.publish_to` (all events), and
* the sender identity's notification topics set with
  ``SetIdentityNotificationTopic``, as SES does.

moto's SNS then POSTs each one to the topic's HTTP subscribers, as SNS would.
moto's own feedback (a canned bounce about ``recipient1@example.com``) is
never sent: the local SES answers the sends itself.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from datetime import datetime, timezone
from email.utils import parseaddr
from typing import Any

import boto3

from django_ses.testing.notifications import mail_object, simulator_notifications
from django_ses.testing.sent import SentMessage

__all__ = ["MailboxSimulator"]

logger = logging.getLogger(__name__)


class MailboxSimulator:
    """Publishes the simulator's Delivery, Bounce, Complaint and DeliveryDelay events."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self.topic_arn: str | None = None
        self.published: list[dict[str, Any]] = []
        self._queue: queue.Queue[SentMessage | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._url = ""

    def start(self, url: str) -> None:
        self._url = url
        self._thread = threading.Thread(target=self._run, name="mailbox-simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        self.wait()
        self.topic_arn = None
        self.published.clear()

    def publish_to(self, topic_arn: str | None) -> None:
        """Publish every event to ``topic_arn`` too (``None``: stop)."""
        self.topic_arn = topic_arn

    def accepted(self, message: SentMessage) -> None:
        if any(message.outcomes.values()):
            self._queue.put(message)

    def wait(self, timeout: float = 10.0) -> None:
        """Return once every accepted message's events were published."""
        done = threading.Event()
        if self._thread is None:
            return
        self._queue.put(_Marker(done))  # type: ignore[arg-type]
        done.wait(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, _Marker):
                item.done.set()
                continue
            try:
                self._publish(item)
            except Exception:
                logger.exception("mailbox simulator: could not publish events for %s", item.id)

    def _publish(self, message: SentMessage) -> None:
        now = datetime.now(timezone.utc)
        mail = mail_object(
            message_id=message.id,
            source=message.source,
            destinations=message.destinations,
            raw_mime=message.raw,
            sent_at=message.sent_at,
            account_id=self.account_id,
            region=message.region,
        )
        sns = boto3.client(
            "sns",
            region_name=message.region,
            endpoint_url=self._url,
            aws_access_key_id="local-ses",
            aws_secret_access_key="local-ses",
        )
        for notification in simulator_notifications(mail, now, message.outcomes):
            kind = str(notification.get("notificationType") or notification.get("eventType"))
            for topic in self._topics(message, kind):
                sns.publish(TopicArn=topic, Message=json.dumps(notification))
                logger.info("mailbox simulator: published %s for %s", kind, message.id)
            self.published.append(notification)

    def _topics(self, message: SentMessage, kind: str) -> list[str]:
        from moto.ses.models import ses_backends  # optional: moto comes with the testing extra

        backend = ses_backends[self.account_id][message.region]
        address = parseaddr(message.source)[1]
        topics = {self.topic_arn} if self.topic_arn else set()
        for identity in (address, address.rpartition("@")[2]):
            found = backend.sns_topics.get(identity, {}).get(kind)
            if found:
                topics.add(found)
        return sorted(topics)


class _Marker:
    def __init__(self, done: threading.Event) -> None:
        self.done = done
