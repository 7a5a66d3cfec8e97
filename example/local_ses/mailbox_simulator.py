"""SES's mailbox simulator, played by the local SES.

moto accepts mail but does not publish realistic notifications: its built-in
feedback (``SetIdentityNotificationTopic``) sends a canned bounce about
``recipient1@example.com`` with a placeholder ``notificationType`` and the SNS
``Message`` as a JSON object instead of a string. So the example watches what
moto accepted and, for each ``…@simulator.amazonses.com`` recipient, publishes
the notification SES would publish to the identity's topic, through SNS's
``Publish`` API. moto then POSTs it to the webhook, as SNS would.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone

import boto3

from local_ses.notifications import mail_object, simulator_notifications
from local_ses.sent import AcceptedMessage, accepted_messages
from local_ses.server import REGION

logger = logging.getLogger("local_ses")


class MailboxSimulator:
    """Publishes Delivery, Bounce and Complaint notifications for simulator addresses."""

    def __init__(self, *, topic_arn: str, account_id: str, poll_interval: float = 0.2) -> None:
        self.topic_arn = topic_arn
        self.account_id = account_id
        self.poll_interval = poll_interval
        self._handled = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sns = boto3.client("sns", region_name=REGION)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mailbox-simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                self.publish_new_notifications()
            except Exception:
                logger.exception("mailbox simulator: could not publish notifications")

    def publish_new_notifications(self) -> int:
        """Publish the notifications for messages accepted since the last call."""
        messages = accepted_messages(self.account_id)
        new, self._handled = messages[self._handled :], len(messages)
        published = 0
        for message in new:
            for notification in self.notifications_for(message):
                self._sns.publish(TopicArn=self.topic_arn, Message=json.dumps(notification))
                published += 1
                logger.info(
                    "mailbox simulator: published %s for %s",
                    notification["notificationType"],
                    message.message_id,
                )
        return published

    def notifications_for(self, message: AcceptedMessage) -> list[dict[str, object]]:
        now = datetime.now(timezone.utc)
        mail = mail_object(
            message_id=message.message_id,
            source=message.source,
            destinations=message.destinations,
            raw_mime=message.raw_mime,
            sent_at=now,
            account_id=self.account_id,
            region=REGION,
        )
        return simulator_notifications(mail, now)
