"""A readable summary of a raw MIME message, for the "What SES received" page."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MimePart:
    content_type: str
    filename: str
    disposition: str
    size: int


@dataclass(frozen=True)
class MimeSummary:
    subject: str
    headers: list[tuple[str, str]]
    parts: list[MimePart] = field(default_factory=list)


def summarize(raw_mime: bytes) -> MimeSummary:
    """The headers and the leaf parts of a message (multipart containers left out)."""
    message = email.message_from_bytes(raw_mime, policy=email.policy.default)
    parts = [
        MimePart(
            content_type=part.get_content_type(),
            filename=part.get_filename() or "",
            disposition=part.get_content_disposition() or "",
            size=len(part.get_payload(decode=True) or b""),
        )
        for part in message.walk()
        if not part.is_multipart()
    ]
    return MimeSummary(
        subject=str(message.get("Subject", "")),
        headers=[(name, str(value)) for name, value in message.items()],
        parts=parts,
    )
