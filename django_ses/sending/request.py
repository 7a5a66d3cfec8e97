"""The SES API request for one group of recipients. Pure functions, no I/O.

* :class:`Envelope`: the per-backend request parameters (settings, keywords);
* :func:`merge_tags` / :func:`validate_tags`: the message tags;
* :func:`chunk_recipients`: at most :data:`MAX_DESTINATIONS_PER_CALL` per call;
* :func:`v1_send_params` / :func:`v2_send_params`: the keyword arguments of
  ``send_raw_email`` (v1) and ``send_email`` (v2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

from django_ses.exceptions import InvalidMessageError
from django_ses.sending.mime import Recipient

__all__ = [
    "MAX_DESTINATIONS_PER_CALL",
    "Envelope",
    "RequestParts",
    "chunk_recipients",
    "merge_tags",
    "v1_send_params",
    "v2_send_params",
    "validate_tags",
]

#: SES accepts at most 50 destinations (To + Cc + Bcc) per call.
MAX_DESTINATIONS_PER_CALL = 50

# SES message tags: ASCII letters, digits, "_" and "-", at most 256 characters.
_TAG_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Envelope:
    """The per-backend parts of a send request (settings and constructor keywords).

    Addresses are already encoded for the API (see
    :func:`~django_ses.sending.mime.encode_address`).
    """

    from_email: str | None = None
    return_path: str | None = None
    source_arn: str | None = None
    from_arn: str | None = None
    return_path_arn: str | None = None
    global_endpoint_id: str | None = None


def validate_tags(tags: Mapping[str, Any], *, origin: str) -> dict[str, str]:
    """Return ``tags`` as ``{name: value}`` strings, or raise :class:`InvalidMessageError`.

    SES allows only ASCII letters, digits, ``_`` and ``-`` in tag names and
    values, 1 to 256 characters each. Integers are accepted as values.
    """
    if not isinstance(tags, Mapping):
        raise InvalidMessageError(
            f"{origin} must be a mapping of tag names to values, not {type(tags).__name__}."
        )
    clean: dict[str, str] = {}
    for name, value in tags.items():
        if not isinstance(name, str) or not _TAG_PATTERN.fullmatch(name):
            raise InvalidMessageError(
                f"Invalid SES tag name {name!r} in {origin}: use 1-256 ASCII letters, "
                "digits, '_' or '-'."
            )
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not _TAG_PATTERN.fullmatch(value):
            raise InvalidMessageError(
                f"Invalid value {value!r} for SES tag {name!r} in {origin}: use 1-256 ASCII "
                "letters, digits, '_' or '-'."
            )
        clean[name] = value
    return clean


def merge_tags(
    default_tags: Mapping[str, Any] | None, message_tags: Mapping[str, Any] | None
) -> dict[str, str]:
    """The message's tags over the default tags, validated."""
    merged = validate_tags(default_tags or {}, origin="AWS_SES_DEFAULT_TAGS")
    merged.update(validate_tags(message_tags or {}, origin="message.ses_tags"))
    return merged


def chunk_recipients(
    recipients: Sequence[Recipient], size: int = MAX_DESTINATIONS_PER_CALL
) -> list[list[Recipient]]:
    """Split ``recipients`` into consecutive groups of at most ``size``."""
    return [list(recipients[i : i + size]) for i in range(0, len(recipients), size)]


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in tags.items()]


class RequestParts(TypedDict):
    """The keyword arguments of :func:`v1_send_params` and :func:`v2_send_params`."""

    sender: str | None
    envelope: Envelope
    configuration_set: str | None
    tags: Mapping[str, str]


def v1_send_params(
    raw: bytes, recipients: Iterable[Recipient], **parts: Unpack[RequestParts]
) -> dict[str, Any]:
    """Keyword arguments of SES v1 ``send_raw_email`` for one group of recipients."""
    required = {
        "RawMessage": {"Data": raw},
        "Destinations": [r.destination for r in recipients],
    }
    envelope = parts["envelope"]
    return _with_optional(
        required,
        Source=parts["sender"],
        SourceArn=envelope.source_arn,
        FromArn=envelope.from_arn,
        ReturnPathArn=envelope.return_path_arn,
        ConfigurationSetName=parts["configuration_set"],
        Tags=_tag_list(parts["tags"]),
    )


def v2_send_params(
    raw: bytes, recipients: Iterable[Recipient], **parts: Unpack[RequestParts]
) -> dict[str, Any]:
    """Keyword arguments of SES v2 ``send_email`` (raw content) for one group of recipients."""
    destination: dict[str, list[str]] = {}
    field_names = {"to": "ToAddresses", "cc": "CcAddresses", "bcc": "BccAddresses"}
    for recipient in recipients:
        destination.setdefault(field_names[recipient.kind], []).append(recipient.destination)
    envelope = parts["envelope"]
    return _with_optional(
        {"Destination": destination, "Content": {"Raw": {"Data": raw}}},
        FromEmailAddress=parts["sender"],
        FromEmailAddressIdentityArn=envelope.from_arn or envelope.source_arn,
        FeedbackForwardingEmailAddress=envelope.return_path,
        FeedbackForwardingEmailAddressIdentityArn=envelope.return_path_arn,
        ConfigurationSetName=parts["configuration_set"],
        EmailTags=_tag_list(parts["tags"]),
        EndpointId=envelope.global_endpoint_id,
    )


def _with_optional(required: dict[str, Any], **optional: Any) -> dict[str, Any]:
    """``required`` plus the ``optional`` parameters that are set (not empty)."""
    return {**required, **{name: value for name, value in optional.items() if value}}
