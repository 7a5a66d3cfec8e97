"""What the local SES accepted, and readers of send requests (pure functions).

:class:`SentMessage` is one accepted message: its envelope (``source``,
``destinations``), the raw MIME and the parsed message, and the API parameters
it came with. The ``v1_*``/``v2_*`` readers take a recorded
:class:`~django_ses.testing.calls.Call` of ``SendRawEmail`` or ``SendEmail``.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage
from email.utils import getaddresses, parseaddr
from typing import Any

from django_ses.testing.calls import Call

__all__ = [
    "SentMessage",
    "envelope_recipients",
    "parse",
    "v1_destinations",
    "v1_raw",
    "v1_tags",
    "v2_destinations",
    "v2_raw",
]


def parse(raw: bytes | str) -> ParsedMessage:
    """Parse raw MIME with the modern email API."""
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    parsed: ParsedMessage = email.message_from_bytes(data, policy=email.policy.default)
    return parsed


@dataclass(frozen=True)
class SentMessage:
    """One message SES accepted."""

    id: str
    source: str
    destinations: list[str]  # the envelope: Destinations as given, else the MIME To/Cc/Bcc
    raw: bytes | None  # None for a non-raw (Simple) send
    operation: str  # "SendRawEmail", "SendEmail"
    service: str  # "ses" or "sesv2"
    region: str
    params: dict[str, Any]  # the API parameters, as boto3 takes them
    sent_at: dt.datetime
    outcomes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by recipient

    @property
    def message_id(self) -> str:
        return self.id

    @property
    def raw_data(self) -> str:
        """The raw MIME as text (as moto keeps it)."""
        return (self.raw or b"").decode("utf-8", "surrogateescape")

    @property
    def message(self) -> ParsedMessage:
        """The raw MIME, parsed (``message["Subject"]``, ``message.get_body()``…)."""
        return parse(self.raw or b"")

    @property
    def subject(self) -> str:
        if self.raw is not None:
            return str(self.message["Subject"] or "")
        simple = self.params.get("Message") or self.params.get("Content", {}).get("Simple", {})
        return str(simple.get("Subject", {}).get("Data", ""))

    @property
    def configuration_set(self) -> str | None:
        name = self.params.get("ConfigurationSetName")
        return str(name) if name else None

    @property
    def list_management(self) -> dict[str, str] | None:
        """The ``ListManagementOptions`` of the v2 ``SendEmail`` call, as it came on the wire."""
        options = self.params.get("ListManagementOptions")
        return dict(options) if options else None

    @property
    def tags(self) -> dict[str, str]:
        tags = self.params.get("Tags") or self.params.get("EmailTags") or []
        return {tag["Name"]: tag["Value"] for tag in tags}


def envelope_recipients(destinations: list[str] | None, raw: bytes | None) -> list[str]:
    """The recipients SES sends to: ``Destinations`` when given, else To, Cc and Bcc.

    Unlike moto, SES never adds the headers' addresses to ``Destinations``.
    """
    if destinations:
        return list(destinations)
    if raw is None:
        return []
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    values = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    return [address for _, address in getaddresses(values) if address]


def source_address(source: str | None, raw: bytes | None) -> str:
    """The sender SES checks: ``Source``, else the MIME ``From``."""
    if source:
        return parseaddr(source)[1]
    if raw is None:
        return ""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    return parseaddr(str(message.get("From", "")))[1]


# -- readers of recorded calls ------------------------------------------------------------


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
    """Every address of a v2 SendEmail call's ``Destination``."""
    destination = call.json.get("Destination", {})
    return [
        *destination.get("ToAddresses", []),
        *destination.get("CcAddresses", []),
        *destination.get("BccAddresses", []),
    ]
