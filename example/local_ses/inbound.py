"""Incoming mail for the local SES: what a receipt rule's SNS action publishes.

SES receives mail over SMTP from the internet, which a local SES cannot do. So
the example hands a raw message to :func:`receive`, which finds the active
receipt rule for the recipient, as SES would, and publishes the ``Received``
notification to that rule's topic with SNS ``Publish``. moto then POSTs it to
the webhook.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

import boto3

from local_ses.notifications import received_notification
from local_ses.server import REGION


class NoReceiptRule(Exception):
    """No active receipt rule with an SNS action matches the recipient."""


def receive(raw_mime: bytes, *, recipient: str) -> str:
    """Deliver ``raw_mime`` to ``recipient`` through the active receipt rule.

    Returns the SES message id of the received mail.
    """
    action = _sns_action_for(recipient)
    message_id = uuid.uuid4().hex
    notification = received_notification(
        raw_mime=raw_mime,
        recipients=[recipient],
        topic_arn=action["TopicArn"],
        encoding=action.get("Encoding", "UTF-8"),
        message_id=message_id,
        received_at=datetime.now(timezone.utc),
    )
    boto3.client("sns", region_name=REGION).publish(
        TopicArn=action["TopicArn"],
        Message=json.dumps(notification),
        Subject="Amazon SES Email Receipt Notification",
    )
    return message_id


def _sns_action_for(recipient: str) -> dict[str, Any]:
    ses = boto3.client("ses", region_name=REGION)
    active = ses.describe_active_receipt_rule_set()
    domain = recipient.rpartition("@")[2].lower()
    for rule in active.get("Rules", []):
        if not rule.get("Enabled", False):
            continue
        matches = [r.lower() for r in rule.get("Recipients", [])]
        if matches and recipient.lower() not in matches and domain not in matches:
            continue
        for action in rule.get("Actions", []):
            if "SNSAction" in action:
                return dict(action["SNSAction"])
    raise NoReceiptRule(f"no active receipt rule publishes mail for {recipient} to SNS")
