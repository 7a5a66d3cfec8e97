"""Read SES send requests as the local AWS received them (tests.aws.Call)."""

from __future__ import annotations

import base64
import email
import email.policy
import uuid
from email.message import EmailMessage as ParsedMessage
from typing import Any

from tests.aws import Call, Response


def _members(params: dict[str, Any], prefix: str) -> list[str]:
    found = []
    index = 1
    while f"{prefix}.member.{index}" in params:
        found.append(params[f"{prefix}.member.{index}"])
        index += 1
    return found


def v1_destinations(call: Call) -> list[str]:
    """``Destinations`` of a v1 SendRawEmail call."""
    return _members(call.params, "Destinations")


def v1_tags(call: Call) -> dict[str, str]:
    """``Tags`` of a v1 SendRawEmail call, as a mapping."""
    tags = {}
    index = 1
    while f"Tags.member.{index}.Name" in call.params:
        tags[call.params[f"Tags.member.{index}.Name"]] = call.params[f"Tags.member.{index}.Value"]
        index += 1
    return tags


def v1_raw(call: Call) -> bytes:
    """The raw MIME of a v1 SendRawEmail call."""
    return base64.b64decode(call.params["RawMessage.Data"])


def v2_raw(call: Call) -> bytes:
    """The raw MIME of a v2 SendEmail call."""
    return base64.b64decode(call.json["Content"]["Raw"]["Data"])


def v2_destinations(call: Call) -> list[str]:
    destination = call.json.get("Destination", {})
    return [
        *destination.get("ToAddresses", []),
        *destination.get("CcAddresses", []),
        *destination.get("BccAddresses", []),
    ]


def parse(raw: bytes | str) -> ParsedMessage:
    """Parse raw MIME with the modern email API."""
    data = raw.encode() if isinstance(raw, str) else raw
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def send_raw_email_ok(call: Call) -> Response:
    """A successful v1 SendRawEmail answer, in the query protocol's XML."""
    body = (
        '<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
        f"<SendRawEmailResult><MessageId>{uuid.uuid4()}</MessageId></SendRawEmailResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</SendRawEmailResponse>"
    ).encode()
    return 200, {"Content-Type": "text/xml"}, body
