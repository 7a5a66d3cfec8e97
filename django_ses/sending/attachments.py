"""Large binary attachments, rendered into the raw MIME once. Pure functions, no I/O.

Python's email package renders an attachment several times over: Django's
``message()`` keeps its base64 as one string, then the generator splits that
string into lines and copies the part through a buffer per MIME level. For a
20 MB attachment that is five or six copies alive at once.

:func:`with_placeholders` gives the message to render with each large binary
attachment (at least :data:`LARGE_ATTACHMENT` bytes, a type the email package
encodes in base64) replaced by a short random placeholder of the same type,
so Django and the email package build every header, boundary and part as
usual, but small. :func:`splice` then writes the rendered bytes once into one
buffer, with each placeholder's base64 replaced by the attachment's, encoded
block by block exactly as the email package encodes it (lines of 76
characters, CRLF). It answers ``None`` when a placeholder is not where it must
be (an email policy with other line lengths, say): the caller then renders the
message as it is.

:func:`minimum_size` is a lower bound of the rendered size, from the
attachments alone, so a message that is certainly too large is refused before
anything is rendered.

:func:`skeleton` gives a copy of the message with every binary attachment
larger than a placeholder replaced by one, and how much larger the message
renders with the real attachments: a batch is checked (every header, part and
the exact size) by rendering skeletons, small, before anything is sent; an
unsigned message's small skeleton rendering is kept and spliced when its call
comes, so the message is not rendered twice.
"""

from __future__ import annotations

import base64
import copy
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.mail import EmailMessage

__all__ = [
    "LARGE_ATTACHMENT",
    "Placeholder",
    "Skeleton",
    "base64_size",
    "minimum_size",
    "skeleton",
    "splice",
    "with_placeholders",
]

#: Attachments at least this large are rendered by :func:`splice`.
LARGE_ATTACHMENT = 256 * 1024

# The email package writes base64 in lines of 76 characters: 57 bytes each.
_LINE_BYTES = 57
# Encoded per block of this many lines, so one block is alive at a time.
_BLOCK_BYTES = _LINE_BYTES * 1024
# Two full lines: the placeholder's base64 is two lines of random characters.
_PLACEHOLDER_BYTES = _LINE_BYTES * 2


@dataclass(frozen=True)
class Placeholder:
    """One large attachment and the short random content that stands for it."""

    content: Any  # bytes-like
    token: bytes

    @property
    def needle(self) -> bytes:
        """The token's base64 as the rendered MIME holds it."""
        return _base64_block(self.token)


def _base64_block(data: Any) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _base64_encoded(item: Any) -> Any:
    """The bytes-like content of an attachment the email package encodes in base64, or None."""
    if not isinstance(item, tuple) or len(item) != 3:
        return None  # a MIME part given as such
    _, content, mimetype = item
    if not isinstance(content, (bytes, bytearray, memoryview)) or not isinstance(mimetype, str):
        return None
    maintype, slash, _ = mimetype.partition("/")
    if not slash or maintype.lower() in ("text", "message"):
        return None
    return content


def with_placeholders(
    message: EmailMessage, *, larger_than: int = LARGE_ATTACHMENT - 1
) -> list[Placeholder]:
    """Replace the binary attachments of ``message`` (a copy) over ``larger_than`` bytes
    (by default the large ones) by placeholders.

    Sets ``message.attachments`` to a new list; returns the placeholders, in order.
    """
    found: list[Placeholder] = []
    attachments: list[Any] = []
    for item in message.attachments:
        content = _base64_encoded(item)
        if content is None or len(memoryview(content).cast("B")) <= larger_than:
            attachments.append(item)
            continue
        placeholder = Placeholder(content, secrets.token_bytes(_PLACEHOLDER_BYTES))
        found.append(placeholder)
        replaced = (item[0], placeholder.token, item[2])
        attachments.append(replaced if type(item) is tuple else type(item)(*replaced))
    if found:
        message.attachments = attachments
    return found


def splice(rendered: bytes, placeholders: Sequence[Placeholder]) -> bytes | None:
    """``rendered`` with each placeholder's base64 replaced by its attachment's.

    ``None`` when a placeholder's base64 is not in ``rendered`` exactly once, on
    lines of its own.
    """
    spans: list[tuple[int, int, Placeholder]] = []
    for placeholder in placeholders:
        needle = b"\r\n" + placeholder.needle
        start = rendered.find(needle)
        if start < 0 or rendered.find(needle, start + 1) >= 0:
            return None
        spans.append((start + 2, start + len(needle), placeholder))
    spans.sort(key=lambda span: span[0])
    out = io.BytesIO()
    position = 0
    for start, end, placeholder in spans:
        out.write(memoryview(rendered)[position:start])
        content = memoryview(placeholder.content).cast("B")
        for offset in range(0, len(content), _BLOCK_BYTES):
            out.write(_base64_block(content[offset : offset + _BLOCK_BYTES]))
        position = end
    out.write(memoryview(rendered)[position:])
    # getvalue() hands over the buffer without a copy once nothing else uses it.
    return out.getvalue()


@dataclass(frozen=True)
class Skeleton:
    """A copy of a message with small placeholders for its binary attachments."""

    message: EmailMessage
    #: How many bytes more the message renders to than the copy: each
    #: attachment's base64 less its placeholder's.
    growth: int
    #: The placeholders in the copy, in order: :func:`splice` puts the
    #: attachments back into the copy's rendering.
    placeholders: tuple[Placeholder, ...]


def skeleton(message: EmailMessage) -> Skeleton:
    """A copy of ``message`` with small placeholders for its binary attachments.

    The copy renders the same headers and parts, so it fails where ``message``
    would (an invalid header, a charset that cannot encode a body), at a
    fraction of the cost; its rendering, spliced (:func:`splice`), is the
    rendering of ``message``.
    """
    copied = copy.copy(message)
    placeholders = with_placeholders(copied, larger_than=_PLACEHOLDER_BYTES)
    growth = sum(
        base64_size(len(memoryview(p.content).cast("B"))) - base64_size(len(p.token))
        for p in placeholders
    )
    return Skeleton(copied, growth, tuple(placeholders))


def base64_size(length: int) -> int:
    """The size of ``length`` bytes in base64, in lines of 76 characters with CRLF."""
    lines = -(-length // _LINE_BYTES)
    return 4 * -(-length // 3) + 2 * lines


def minimum_size(message: EmailMessage) -> int:
    """A lower bound of the rendered size of ``message``: its binary attachments, encoded."""
    total = 0
    for item in message.attachments or ():
        content = _base64_encoded(item)
        if content is not None:
            total += base64_size(len(memoryview(content).cast("B")))
    return total
