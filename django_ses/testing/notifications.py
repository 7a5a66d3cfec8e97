"""SES notifications, built as Amazon documents them (pure functions).

See "Amazon SES notification contents" in the SES developer guide: a
notification is a JSON object with ``notificationType``, a ``mail`` object and
one object for its type (``bounce``, ``complaint``, ``delivery``), or, for
inbound mail, ``receipt`` and ``content``.
"""

from __future__ import annotations

import base64
import email
import email.policy
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import getaddresses, parseaddr
from functools import partial
from typing import Any

SIMULATOR_DOMAIN = "simulator.amazonses.com"

# What SES's mailbox simulator does for each of its addresses.
_SIMULATOR_OUTCOMES = {
    "success": ("Delivery",),
    "ooto": ("Delivery",),
    "bounce": ("Bounce",),
    "suppressionlist": ("Bounce",),
    "complaint": ("Delivery", "Complaint"),
    # Not an address of SES's simulator: the local SES's way to see a DeliveryDelay.
    "delay": ("DeliveryDelay",),
}


def simulator_outcomes(address: str) -> tuple[str, ...]:
    """The notification types SES's mailbox simulator produces for ``address``.

    ``bounce+label@simulator.amazonses.com`` behaves like ``bounce@…``. Any other
    address produces none: the local SES cannot deliver real mail.
    """
    local, _, domain = parseaddr(address)[1].lower().rpartition("@")
    if domain != SIMULATOR_DOMAIN:
        return ()
    return _SIMULATOR_OUTCOMES.get(local.split("+", 1)[0], ())


def iso_timestamp(moment: datetime) -> str:
    """SES's timestamp format: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def unique_addresses(addresses: list[str]) -> list[str]:
    """Bare addresses, without display names or duplicates (case-insensitive)."""
    seen: dict[str, str] = {}
    for _, address in getaddresses(addresses):
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return list(seen.values())


def mail_object(
    *,
    message_id: str,
    source: str,
    destinations: list[str],
    raw_mime: bytes | None,
    sent_at: datetime,
    account_id: str,
    region: str,
) -> dict[str, Any]:
    """The ``mail`` object that every notification about a sent message carries."""
    source_address = parseaddr(source)[1]
    domain = source_address.rpartition("@")[2]
    mail: dict[str, Any] = {
        "timestamp": iso_timestamp(sent_at),
        "messageId": message_id,
        "source": source,
        "sourceArn": f"arn:aws:ses:{region}:{account_id}:identity/{domain}",
        "sourceIp": "127.0.0.1",
        "sendingAccountId": account_id,
        "callerIdentity": "django-ses-local-ses",
        "destination": destinations,
        "headersTruncated": False,
        "headers": [],
        "commonHeaders": {},
    }
    if raw_mime is not None:
        mail["headers"], mail["commonHeaders"] = _headers_of(raw_mime)
    return mail


def _headers_of(raw_mime: bytes) -> tuple[list[dict[str, str]], dict[str, Any]]:
    message = email.message_from_bytes(raw_mime, policy=email.policy.default)
    headers = [{"name": name, "value": str(value)} for name, value in message.items()]
    common: dict[str, Any] = {}
    for key, name in (("from", "From"), ("to", "To"), ("cc", "Cc"), ("replyTo", "Reply-To")):
        values = message.get_all(name)
        if values:
            common[key] = [str(address) for value in values for address in value.addresses]
    for key, name in (("subject", "Subject"), ("messageId", "Message-ID"), ("date", "Date")):
        if message[name] is not None:
            common[key] = str(message[name])
    return headers, common


def delivery_notification(
    mail: dict[str, Any], recipient: str, at: datetime, *, processing_ms: int = 500
) -> dict[str, Any]:
    return {
        "notificationType": "Delivery",
        "mail": mail,
        "delivery": {
            "timestamp": iso_timestamp(at),
            "processingTimeMillis": processing_ms,
            "recipients": [recipient],
            "smtpResponse": "250 2.6.0 Message received",
            "remoteMtaIp": "127.0.0.1",
            "reportingMTA": "a8-70.smtp-out.amazonses.com",
        },
    }


#: The bounce subtypes of a send to a suppressed address: SES's global list, the account's.
GLOBAL_SUPPRESSION_SUBTYPE = "Suppressed"
ACCOUNT_SUPPRESSION_SUBTYPE = "OnAccountSuppressionList"
#: The outcome of a send to an address on the account-level suppression list: a Bounce
#: with subtype ``OnAccountSuppressionList``, which the sending statistics do not count.
ACCOUNT_SUPPRESSED = "AccountSuppressedBounce"


def bounce_notification(
    mail: dict[str, Any], recipient: str, at: datetime, *, subtype: str | None = None
) -> dict[str, Any]:
    """A Bounce; ``subtype``: by default ``Suppressed`` for ``suppressionlist@…``, else General."""
    if subtype is None:
        listed = recipient.lower().startswith("suppressionlist")
        subtype = GLOBAL_SUPPRESSION_SUBTYPE if listed else "General"
    suppressed = subtype in (GLOBAL_SUPPRESSION_SUBTYPE, ACCOUNT_SUPPRESSION_SUBTYPE)
    recipient_report: dict[str, str] = {"emailAddress": recipient, "action": "failed"}
    if not suppressed:
        recipient_report["status"] = "5.1.1"
        recipient_report["diagnosticCode"] = "smtp; 550 5.1.1 user unknown"
    bounce: dict[str, Any] = {
        "bounceType": "Permanent",
        "bounceSubType": subtype,
        "bouncedRecipients": [recipient_report],
        "timestamp": iso_timestamp(at),
        "feedbackId": _feedback_id(),
    }
    if not suppressed:
        bounce["remoteMtaIp"] = "127.0.0.1"
        bounce["reportingMTA"] = "dsn; a8-70.smtp-out.amazonses.com"
    return {"notificationType": "Bounce", "mail": mail, "bounce": bounce}


def complaint_notification(mail: dict[str, Any], recipient: str, at: datetime) -> dict[str, Any]:
    return {
        "notificationType": "Complaint",
        "mail": mail,
        "complaint": {
            "complainedRecipients": [{"emailAddress": recipient}],
            "timestamp": iso_timestamp(at),
            "feedbackId": _feedback_id(),
            "complaintSubType": None,
            "userAgent": "Amazon SES Mailbox Simulator",
            "complaintFeedbackType": "abuse",
            "arrivalDate": iso_timestamp(at),
        },
    }


def delivery_delay_notification(
    mail: dict[str, Any], recipient: str, at: datetime
) -> dict[str, Any]:
    return {
        "eventType": "DeliveryDelay",
        "mail": mail,
        "deliveryDelay": {
            "timestamp": iso_timestamp(at),
            "delayType": "TransientCommunicationFailure",
            "expirationTime": iso_timestamp(at.replace(microsecond=0) + _DELAY_EXPIRY),
            "delayedRecipients": [
                {
                    "emailAddress": recipient,
                    "status": "4.4.1",
                    "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host",
                }
            ],
        },
    }


_DELAY_EXPIRY = timedelta(hours=14)

_BUILDERS: dict[str, Callable[[dict[str, Any], str, datetime], dict[str, Any]]] = {
    "DeliveryDelay": delivery_delay_notification,
    "Delivery": delivery_notification,
    "Bounce": bounce_notification,
    ACCOUNT_SUPPRESSED: partial(bounce_notification, subtype=ACCOUNT_SUPPRESSION_SUBTYPE),
    "Complaint": complaint_notification,
}


def simulator_notifications(
    mail: dict[str, Any], at: datetime, outcomes: dict[str, tuple[str, ...]] | None = None
) -> list[dict[str, Any]]:
    """Every notification the mailbox simulator sends for one accepted message.

    ``outcomes`` maps each recipient to its notification types (by default
    :func:`simulator_outcomes` of the address).
    """
    notifications = []
    for recipient in mail["destination"]:
        kinds = outcomes.get(recipient, ()) if outcomes is not None else None
        for kind in simulator_outcomes(recipient) if kinds is None else kinds:
            notifications.append(_BUILDERS[kind](mail, recipient, at))
    return notifications


def received_notification(
    *,
    raw_mime: bytes,
    recipients: list[str],
    action: dict[str, str],
    message_id: str,
    received_at: datetime,
) -> dict[str, Any]:
    """What a receipt rule publishes to SNS for one incoming message.

    ``action`` is the notification's ``receipt.action`` as SES writes it: for an
    SNS action ``{"type": "SNS", "topicArn", "encoding"}`` with the API's
    encoding (``Base64`` or ``UTF-8``), and the message goes in ``content``; for
    an S3 action ``{"type": "S3", "topicArn", "bucketName", "objectKey", …}``,
    and the message stays in the bucket.
    """
    message = email.message_from_bytes(raw_mime, policy=email.policy.default)
    headers, common = _headers_of(raw_mime)
    verdict = {"status": "PASS"}
    notification: dict[str, Any] = {
        "notificationType": "Received",
        "mail": {
            "timestamp": iso_timestamp(received_at),
            "source": parseaddr(str(message["Return-Path"] or message["From"] or ""))[1],
            "messageId": message_id,
            "destination": recipients,
            "headersTruncated": False,
            "headers": headers,
            "commonHeaders": common,
        },
        "receipt": {
            "timestamp": iso_timestamp(received_at),
            "processingTimeMillis": 42,
            "recipients": recipients,
            "spamVerdict": verdict,
            "virusVerdict": verdict,
            "spfVerdict": verdict,
            "dkimVerdict": verdict,
            "dmarcVerdict": verdict,
            "action": dict(action),
        },
    }
    if action["type"] == "SNS":
        base64_encoded = action["encoding"].replace("-", "").upper() == "BASE64"
        notification["receipt"]["action"]["encoding"] = "BASE64" if base64_encoded else "UTF8"
        notification["content"] = (
            base64.b64encode(raw_mime).decode("ascii")
            if base64_encoded
            else raw_mime.decode("utf-8", "replace")
        )
    return notification


def _feedback_id() -> str:
    return f"0100{uuid.uuid4().hex[:12]}-{uuid.uuid4()}-000000"
