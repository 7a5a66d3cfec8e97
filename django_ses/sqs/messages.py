"""What an SQS message body holds: an SNS envelope, or a raw SES record. Pure functions.

SNS writes one of two bodies into a subscribed queue:

* by default, the SNS envelope (``Type``, ``MessageId``, ``TopicArn``,
  ``Message``, ``Signature``…), exactly as it POSTs to an HTTPS endpoint, so it
  is verified with the same signature code;
* with ``RawMessageDelivery`` on, the ``Message`` alone: the SES record. There
  is no signature then; the queue's IAM policy is the only proof of origin.

:func:`read_body` returns the envelope to run through the webhook's pipeline;
for a raw record it builds one (``raw=True``, never signature-checked) whose
``MessageId`` is a hash of the body, so a redelivered SQS message is
recognised by the ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django_ses.events import ses_event_type
from django_ses.exceptions import MalformedSNSMessage
from django_ses.sns.envelope import check_envelope, load_json_object

__all__ = ["RAW_MESSAGE_ID_PREFIX", "SQSBody", "read_body"]

#: The ``MessageId`` prefix of the envelope built for a raw SES record.
RAW_MESSAGE_ID_PREFIX = "sqs-raw-"


@dataclass(frozen=True)
class SQSBody:
    """An SQS message body, as an SNS envelope."""

    notification: dict[str, Any]
    #: True for a raw SES record (no SNS envelope, nothing to verify).
    raw: bool


def read_body(body: str, *, raw_topic_arn: str = "") -> SQSBody:
    """The envelope of ``body``; :class:`MalformedSNSMessage` when it is neither shape."""
    parsed = load_json_object(body.encode("utf-8"), what="SQS message body")
    if "Type" in parsed:
        check_envelope(parsed)
        return SQSBody(parsed, raw=False)
    if ses_event_type(parsed) is None:
        raise MalformedSNSMessage(
            "the SQS message is neither an SNS envelope nor an SES event record"
        )
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:64]
    notification = {
        "Type": "Notification",
        "MessageId": f"{RAW_MESSAGE_ID_PREFIX}{digest}",
        "TopicArn": raw_topic_arn,
        "Message": body,
        "Timestamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    return SQSBody(notification, raw=True)
