"""Incoming mail for the local SES: what a receipt rule does with a message.

SES receives mail over SMTP from the internet, which a local SES cannot do. So
the example hands a raw message to :func:`receive`, which finds the active
receipt rule for the recipient, as SES would, and carries out its action:

* an SNS action publishes a ``Received`` notification with the whole message
  (``content``) to the action's topic;
* an S3 action stores the message in the bucket and publishes a ``Received``
  notification that names the bucket and key, without the content.

Either way moto then POSTs the notification to the webhook, as SNS would.
:meth:`django_ses.testing.LocalSES.receive` calls :func:`receive`.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

import boto3

from django_ses.testing.notifications import received_notification

__all__ = ["NoReceiptRule", "receive"]


class NoReceiptRule(Exception):
    """No active receipt rule with an SNS or S3 action matches the recipient."""


def _client(service: str, url: str, region: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        region_name=region,
        endpoint_url=url,
        aws_access_key_id="local-ses",
        aws_secret_access_key="local-ses",
    )


def receive(url: str, raw_mime: bytes, *, recipient: str, region: str = "us-east-1") -> str:
    """Deliver ``raw_mime`` to ``recipient`` through the local SES at ``url``'s active
    receipt rule. Returns the SES message id of the received mail.
    """
    message_id = uuid.uuid4().hex
    received_at = datetime.now(timezone.utc)
    kind, action = _action_for(_client("ses", url, region), recipient)
    if kind == "SNSAction":
        notification = received_notification(
            raw_mime=raw_mime,
            recipients=[recipient],
            action={
                "type": "SNS",
                "topicArn": action["TopicArn"],
                "encoding": action.get("Encoding", "UTF-8"),
            },
            message_id=message_id,
            received_at=received_at,
        )
    else:
        prefix = action.get("ObjectKeyPrefix", "")
        key = f"{prefix}{message_id}"
        _client("s3", url, region).put_object(Bucket=action["BucketName"], Key=key, Body=raw_mime)
        notification = received_notification(
            raw_mime=raw_mime,
            recipients=[recipient],
            action={
                "type": "S3",
                "topicArn": action["TopicArn"],
                "bucketName": action["BucketName"],
                "objectKeyPrefix": prefix,
                "objectKey": key,
            },
            message_id=message_id,
            received_at=received_at,
        )
    _client("sns", url, region).publish(
        TopicArn=action["TopicArn"],
        Message=json.dumps(notification),
        Subject="Amazon SES Email Receipt Notification",
    )
    return message_id


def _action_for(ses: Any, recipient: str) -> tuple[str, dict[str, Any]]:
    """The first SNS or S3 action (with a topic) of the first rule matching ``recipient``."""
    active = ses.describe_active_receipt_rule_set()
    domain = recipient.rpartition("@")[2].lower()
    for rule in active.get("Rules", []):
        if not rule.get("Enabled", False):
            continue
        matches = [r.lower() for r in rule.get("Recipients", [])]
        if matches and recipient.lower() not in matches and domain not in matches:
            continue
        for action in rule.get("Actions", []):
            for kind in ("SNSAction", "S3Action"):
                if kind in action and action[kind].get("TopicArn"):
                    return kind, dict(action[kind])
    raise NoReceiptRule(f"no active receipt rule publishes mail for {recipient} to SNS")
