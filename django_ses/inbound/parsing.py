"""Turn a raw MIME message into the ``InboundEmail`` mapping (pure, lenient).

Nothing here does I/O or raises on bad input: received mail is whatever the
sender's software produced, so unknown charsets, broken base64, missing
boundaries and malformed headers are decoded as well as possible and noted in
``defects`` instead of failing.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
import unicodedata
from collections.abc import Iterator
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import formataddr, getaddresses, parsedate_to_datetime
from typing import Any, TypedDict

__all__ = [
    "InboundAttachment",
    "InboundEmail",
    "decode_text",
    "inbound_email_from_message",
    "parse_raw_message",
    "safe_filename",
]

# Deeper MIME nesting than this is not walked (the raw message keeps it all).
MAX_MIME_DEPTH = 50
MAX_FILENAME_LENGTH = 150
# Used when neither the declared charset nor UTF-8 can decode a text part:
# it is what mislabelled Western mail nearly always is.
FALLBACK_CHARSET = "windows-1252"

_FORBIDDEN_FILENAME_CHARS = re.compile(r'[<>:"|?*]')
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_LINE_BREAKS = re.compile(r"[\r\n]+[ \t]*")


class InboundAttachment(TypedDict):
    """One attachment or inline part of a received message."""

    filename: str  # safe: no path separators, control characters, CR/LF or NUL
    content_type: str  # "image/png"
    data: bytes  # the decoded content
    size: int  # len(data): what was decoded, never what a header declared
    content_id: str  # without angle brackets; "" when the part has none
    disposition: str  # "attachment" or "inline"


class InboundEmail(TypedDict):
    """A received message, as ``BaseHandler.parse_email`` returns it.

    The first seven keys are the ones django-ses's handlers returned.
    """

    plain_text: str  # every text/plain body part, joined by a blank line
    html_text: str  # every text/html body part, joined by a newline
    attachments: list[InboundAttachment]
    subject: str
    to: list[str]  # "Name <address>" strings
    message_id: str  # the Message-ID header, with its angle brackets
    date: str  # the Date header as sent
    # Additions.
    from_email: str
    cc: list[str]
    reply_to: list[str]
    sent_at: dt.datetime | None  # the Date header parsed (aware), None when unparseable
    text_parts: list[str]
    html_parts: list[str]
    inlines: list[InboundAttachment]  # inline parts (images referenced by cid:)
    headers: list[tuple[str, str]]  # every header, in order, decoded
    defects: list[str]  # what was wrong with the message and how it was read anyway


def parse_raw_message(raw: bytes) -> EmailMessage:
    """Parse ``raw`` with ``email.policy.default``; never raises."""
    parser = BytesParser(_class=EmailMessage, policy=policy.default)
    try:
        return parser.parsebytes(raw)
    except Exception:  # the stdlib parser is lenient; this is a last resort
        fallback = EmailMessage(policy=policy.default)
        fallback.set_content(raw.decode("utf-8", "replace"))
        return fallback


def decode_text(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode a text part: the declared charset, else UTF-8, else windows-1252.

    Returns the text and a description of the problem when the declared charset
    could not be used (``None`` when it could).
    """
    declared = (charset or "").strip().strip('"').lower() or None
    if declared:
        try:
            return data.decode(declared), None
        except LookupError:
            problem = f"unknown charset {declared!r}"
        except UnicodeDecodeError:
            problem = f"content is not valid {declared!r}"
    else:
        problem = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode(FALLBACK_CHARSET, "replace")
        return text, f"{problem or 'no charset declared'}; decoded as {FALLBACK_CHARSET}"
    return text, f"{problem}; decoded as utf-8" if problem else None


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A file name that is safe to use on disk and in a ``Content-Disposition``.

    Keeps the last path component only, drops control, format and line-break
    characters (CR, LF, NUL, bidi overrides…), characters Windows forbids, and
    leading dots; falls back to ``part-<index><ext>`` from the content type.
    """
    cleaned = ""
    if name:
        normalized = unicodedata.normalize("NFC", str(name))
        normalized = normalized.replace("\\", "/").rsplit("/", 1)[-1]
        normalized = "".join(
            char for char in normalized if unicodedata.category(char) not in _UNSAFE_CATEGORIES
        )
        cleaned = _FORBIDDEN_FILENAME_CHARS.sub("_", normalized).strip().lstrip(".").strip()
    if not cleaned:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        return f"part-{index}{extension}"
    if len(cleaned) > MAX_FILENAME_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            cleaned = stem[: MAX_FILENAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            cleaned = cleaned[:MAX_FILENAME_LENGTH]
    return cleaned


def inbound_email_from_message(message: EmailMessage) -> InboundEmail:
    """Map a parsed message to ``InboundEmail``; never raises."""
    defects: list[str] = [f"message: {type(d).__name__}" for d in message.defects]
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[InboundAttachment] = []
    inlines: list[InboundAttachment] = []

    for index, (part, depth_exceeded) in enumerate(_leaf_parts(message), start=1):
        if depth_exceeded:
            defects.append(f"part {index}: MIME nesting deeper than {MAX_MIME_DEPTH}; not read")
            continue
        content_type = _content_type(part)
        disposition = _disposition(part)
        filename = _raw_filename(part)
        data = _payload_bytes(part)  # decoding records its defects on the part
        defects.extend(f"part {index}: {type(d).__name__}" for d in part.defects)
        if _is_body_text(content_type, disposition, filename):
            text, problem = decode_text(data, _charset(part))
            if problem:
                defects.append(f"part {index}: {problem}")
            text = text.replace("\r\n", "\n")
            (html_parts if content_type == "text/html" else text_parts).append(text)
            continue
        if content_type == "message/rfc822" and not filename:
            filename = _header(_inner_message(part), "Subject") or "forwarded message"
            filename += ".eml"
        content_id = _header(part, "Content-ID").strip().strip("<>").strip()
        is_inline = disposition == "inline" or (disposition is None and bool(content_id))
        entry = InboundAttachment(
            filename=safe_filename(filename, content_type, index),
            content_type=content_type,
            data=data,
            size=len(data),
            content_id=content_id,
            disposition="inline" if is_inline else "attachment",
        )
        (inlines if is_inline else attachments).append(entry)

    date = _header(message, "Date")
    return InboundEmail(
        plain_text="\n\n".join(text_parts),
        html_text="\n".join(html_parts),
        attachments=attachments,
        subject=_header(message, "Subject"),
        to=_addresses(message, "To"),
        message_id=_header(message, "Message-ID").strip(),
        date=date,
        from_email=next(iter(_addresses(message, "From")), ""),
        cc=_addresses(message, "Cc"),
        reply_to=_addresses(message, "Reply-To"),
        sent_at=_parse_date(date),
        text_parts=text_parts,
        html_parts=html_parts,
        inlines=inlines,
        headers=_all_headers(message),
        defects=defects,
    )


# -- parts ---------------------------------------------------------------------------


def _leaf_parts(message: Message) -> Iterator[tuple[Message, bool]]:
    """Depth-first leaves (attached messages count as leaves); flags too-deep parts."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > MAX_MIME_DEPTH:
            yield part, True
            continue
        children = _children(part)
        if children is None:
            yield part, False
        else:
            stack.extend((child, depth + 1) for child in reversed(children))


def _children(part: Message) -> list[Message] | None:
    if _content_type(part) == "message/rfc822" or not part.is_multipart():
        return None
    payload = part.get_payload()
    if not isinstance(payload, list):
        return None
    return [child for child in payload if isinstance(child, Message)]


def _is_body_text(content_type: str, disposition: str | None, filename: str | None) -> bool:
    if content_type not in ("text/plain", "text/html"):
        # A multipart/* without a usable boundary is read as text too.
        return content_type.startswith("multipart/")
    if disposition == "attachment":
        return False
    return not (disposition == "inline" and filename)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _raw_filename(part: Message) -> str | None:
    try:
        return part.get_filename()
    except Exception:
        return None


def _payload_bytes(part: Message) -> bytes:
    if _content_type(part) == "message/rfc822" and part.is_multipart():
        try:
            return _inner_message(part).as_bytes()
        except Exception:
            return b""
    try:
        data: Any = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload: Any = part.get_payload()
    if isinstance(payload, str):
        return _to_bytes(payload)
    return b""


def _to_bytes(text: str) -> bytes:
    """UTF-8, with the parser's surrogate escapes turned back into the original bytes."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _inner_message(part: Message) -> Message:
    payload: Any = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return part


# -- headers -------------------------------------------------------------------------


def _one_line(value: str) -> str:
    # 8-bit header bytes come out of the parser as surrogate escapes: read them as UTF-8.
    value = _to_bytes(value).decode("utf-8", "replace")
    return _LINE_BREAKS.sub(" ", value).replace("\x00", "").strip()


def _decode_raw_header(raw: str) -> str:
    try:
        return _one_line(str(make_header(decode_header(raw))))
    except Exception:
        return _one_line(raw)


def _header(part: Message, name: str) -> str:
    """The first ``name`` header, decoded, on one line; "" when missing."""
    try:
        value = part.get(name)
    except Exception:
        value = None
        for key, raw in part.raw_items():
            if key.lower() == name.lower():
                return _decode_raw_header(str(raw))
    if value is None:
        return ""
    try:
        return _one_line(str(value))
    except Exception:
        return ""


def _addresses(message: Message, name: str) -> list[str]:
    try:
        header: Any = message.get(name)
        if header is None:
            return []
        return [_one_line(str(address)) for address in header.addresses if str(address)]
    except Exception:
        raw = [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]
        decoded = [_decode_raw_header(value) for value in raw]
        return [formataddr(pair) for pair in getaddresses(decoded) if pair[1]]


def _all_headers(message: Message) -> list[tuple[str, str]]:
    headers = []
    for key, raw in message.raw_items():
        try:
            value = _one_line(str(message.policy.header_fetch_parse(key, raw)))
        except Exception:
            value = _decode_raw_header(str(raw))
        headers.append((key, value))
    return headers


def _parse_date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed
