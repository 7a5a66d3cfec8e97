"""The messages the local SES accepted, read from moto in this process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local_ses.notifications import unique_addresses
from local_ses.server import REGION


@dataclass(frozen=True)
class AcceptedMessage:
    """One message SES accepted: what went over the wire, as SES saw it."""

    message_id: str
    source: str
    destinations: list[str]  # every envelope recipient (To, Cc and Bcc), once each
    raw_mime: bytes | None  # None for a non-raw SendEmail


def accepted_messages(account_id: str, region: str = REGION) -> list[AcceptedMessage]:
    """Every message moto's SES accepted so far, oldest first."""
    from moto.ses.models import ses_backends

    backend = ses_backends[account_id][region]
    return [_accepted(message) for message in list(backend.sent_messages)]


def _accepted(message: Any) -> AcceptedMessage:
    destinations = message.destinations
    if isinstance(destinations, dict):  # SendEmail: ToAddresses, CcAddresses, BccAddresses
        destinations = [address for group in destinations.values() for address in group]
    raw = getattr(message, "raw_data", None)
    return AcceptedMessage(
        message_id=message.id,
        source=message.source or "",
        # moto adds the To and Cc headers' addresses to the Destinations it was
        # given, so an address can be listed twice: list each one once.
        destinations=unique_addresses(list(destinations)),
        raw_mime=raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw,
    )
