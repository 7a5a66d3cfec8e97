"""A Django message's attachments as SES v2 ``Attachment`` structures. Pure functions.

Templated sends (``SendEmail`` with ``Template`` content, ``SendBulkEmail``)
carry attachments as API parameters, not as MIME parts:
:func:`from_message` converts ``message.attachments`` (``(filename, content,
mimetype)`` entries and MIME parts alike).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError

__all__ = ["Attachment", "from_message"]

#: One ``Attachment`` of the SES v2 API (``RawContent``, ``FileName``…).
Attachment = Mapping[str, Any]

# botocore's limits for the Attachment shape.
_FILE_NAME_MAX = 255
_CONTENT_ID_MAX = 78


def from_message(message: EmailMessage) -> tuple[Attachment, ...]:
    """The message's attachments, in order, as SES ``Attachment`` structures."""
    return tuple(_convert(item) for item in message.attachments or ())


def _convert(item: Any) -> Attachment:
    if isinstance(item, tuple):
        filename, content, mimetype = (*tuple(item), None, None, None)[:3]
        raw = content.encode("utf-8") if isinstance(content, str) else bytes(content or b"")
        content_type = mimetype or mimetypes.guess_type(str(filename or ""))[0]
        return _attachment(filename, raw, content_type or "application/octet-stream", None)
    # A MIME part (email.mime.base.MIMEBase, or email.message.MIMEPart on Django 6).
    raw = item.get_payload(decode=True) or b""
    content_id = item.get("Content-ID")
    disposition = str(item.get_content_disposition() or "")
    return _attachment(
        item.get_filename(),
        raw,
        item.get_content_type(),
        str(content_id).strip("<> ") if content_id else None,
        inline=disposition == "inline",
    )


def _attachment(
    filename: Any, raw: bytes, content_type: str, content_id: str | None, *, inline: bool = False
) -> Attachment:
    if not filename:
        raise InvalidMessageError(
            "SES needs a file name for every attachment of a templated message."
        )
    name = str(filename)
    if len(name) > _FILE_NAME_MAX:
        raise InvalidMessageError(
            f"The attachment name {name[:40]!r}… is longer than SES's {_FILE_NAME_MAX} characters."
        )
    attachment: dict[str, Any] = {
        "RawContent": raw,
        "FileName": name,
        "ContentType": content_type,
        "ContentDisposition": "INLINE" if inline or content_id else "ATTACHMENT",
    }
    if content_id:
        if len(content_id) > _CONTENT_ID_MAX:
            raise InvalidMessageError(
                f"The Content-ID of {name!r} is longer than SES's {_CONTENT_ID_MAX} characters."
            )
        attachment["ContentId"] = content_id
    return attachment
