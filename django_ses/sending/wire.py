"""A large raw message into the SES request body once, streamed while botocore sends it.

botocore serialises the raw message of ``send_raw_email`` (v1) and
``send_email`` (v2) by base64-encoding it into a string, then URL-encoding (v1)
or JSON-encoding (v2) that into another string, then bytes: three or four
copies, each a third larger than the message, alive at once. :func:`install`
registers two handlers on an SES client that keep the message out of that:

* ``before-parameter-build``: a raw message of at least :data:`STREAMED_SIZE`
  bytes (:data:`STREAMED_SIZE_V1` for ``send_raw_email``) is swapped for a
  short random token, and the message kept in the call's own context (so
  threads sharing the client never see each other's);
* ``before-call``: the serialised body, with the token in it, becomes a
  :class:`StreamedBody`: the bytes before the token, the message's base64
  (percent-encoded for v1, as botocore would), produced block by block as it is
  read, and the bytes after. It is seekable and knows its length, so signing,
  ``Content-Length`` and retries work as they do with bytes.

The bytes on the wire are exactly those botocore would have sent.

Why v1 streams from a few KiB: its query protocol percent-encodes the body
with ``urllib.parse``, in pure Python, character by character; a 20 KB
attachment cost more CPU there than the rest of the call. Streaming encodes
it with ``base64`` and ``bytes.replace``, in C. v2's JSON encoding is in C
already: it streams for the memory only.
"""

from __future__ import annotations

import base64
import bisect
import io
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

__all__ = ["STREAMED_SIZE", "STREAMED_SIZE_V1", "StreamedBody", "install"]

#: Raw messages at least this large are streamed (``sesv2`` ``send_email``).
STREAMED_SIZE = 256 * 1024
#: Raw messages at least this large are streamed by ``ses`` ``send_raw_email`` (see above).
STREAMED_SIZE_V1 = 4 * 1024

_CONTEXT_KEY = "django_ses.streamed_raw"
# Raw bytes per produced block: a multiple of 3, so blocks encode independently.
_BLOCK = 3 * 64 * 1024
# The operations, where each keeps the raw message in its parameters, and from what size
# it is streamed.
_OPERATIONS: dict[str, tuple[tuple[str, ...], int]] = {
    "ses.SendRawEmail": (("RawMessage", "Data"), STREAMED_SIZE_V1),
    "sesv2.SendEmail": (("Content", "Raw", "Data"), STREAMED_SIZE),
}
_PERCENT = (b"+", b"%2B"), (b"/", b"%2F"), (b"=", b"%3D")


def install(client: Any) -> None:
    """Register the handlers on ``client`` (once; a client without events is left alone)."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None:
        return
    for operation, (path, streamed_size) in _OPERATIONS.items():
        events.register(
            f"before-parameter-build.{operation}",
            _swap_for_token(path, streamed_size),
            unique_id=f"django_ses.wire.swap.{operation}",
        )
        events.register(
            f"before-call.{operation}", _stream_body, unique_id=f"django_ses.wire.body.{operation}"
        )


def _swap_for_token(path: tuple[str, ...], streamed_size: int) -> Callable[..., None]:
    def swap(params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        *parents, key = path
        chain = [params]  # the parameters, then a copy of each mapping on the path
        for name in parents:
            child = chain[-1].get(name)
            if not isinstance(child, Mapping):
                return
            chain.append(dict(child))
        data = chain[-1].get(key)
        if not isinstance(data, (bytes, bytearray)) or len(data) < streamed_size:
            return
        # Base64 letters and digits, a multiple of 4 long: the token's base64 is itself.
        token = f"djangoSESraw{secrets.token_hex(24)}"
        chain[-1][key] = base64.b64decode(token)
        for depth, name in enumerate(parents):
            chain[depth][name] = chain[depth + 1]
        context[_CONTEXT_KEY] = (token.encode("ascii"), data)

    return swap


def _stream_body(params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
    found = context.pop(_CONTEXT_KEY, None)
    if found is None:
        return
    token, data = found
    body = params.get("body")
    percent = isinstance(body, Mapping)
    if percent:  # query protocol (v1): botocore URL-encodes the parameters later
        assert isinstance(body, Mapping)
        items = [(_utf8(key), _utf8(value)) for key, value in body.items()]
        serialised = urlencode(items, doseq=True).encode("ascii")
    elif isinstance(body, (bytes, bytearray)):
        serialised = bytes(body)
    else:
        serialised = b""
    before, found_token, after = serialised.partition(token)
    if not found_token or token in after:
        raise RuntimeError("django_ses: the raw message's token is not in the request body")
    params["body"] = StreamedBody(before, data, after, percent=percent)


def _utf8(value: Any) -> Any:
    return value.encode("utf-8") if isinstance(value, str) else value


class StreamedBody(io.RawIOBase):
    """``before``, the base64 of ``data`` (percent-encoded if ``percent``), ``after``.

    A read-only, seekable binary stream that holds one encoded block at a time.
    """

    def __init__(self, before: bytes, data: bytes, after: bytes, *, percent: bool) -> None:
        super().__init__()
        self._before = before
        self._data = memoryview(data).cast("B")
        self._after = after
        self._percent = percent
        # Start offset of each part: before, then one per block of data, then after.
        lengths = [len(before)]
        for start in range(0, len(self._data), _BLOCK):
            lengths.append(self._encoded_length(start))
        lengths.append(len(after))
        self._starts = [0]
        for length in lengths:
            self._starts.append(self._starts[-1] + length)
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    def _encode(self, start: int) -> bytes:
        encoded = base64.b64encode(self._data[start : start + _BLOCK])
        if self._percent:
            for plain, escaped in _PERCENT:
                encoded = encoded.replace(plain, escaped)
        return encoded

    def _encoded_length(self, start: int) -> int:
        size = min(_BLOCK, len(self._data) - start)
        if not self._percent:
            return 4 * -(-size // 3)
        return len(self._encode(start))

    def _part(self, index: int) -> bytes:
        if index == 0:
            return self._before
        if index == len(self._starts) - 2:
            return self._after
        if self._cached is None or self._cached[0] != index:
            self._cached = (index, self._encode((index - 1) * _BLOCK))
        return self._cached[1]

    def __len__(self) -> int:
        return self._starts[-1]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self)}[whence]
        position = base + offset
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        written = 0
        while written < len(target) and self._position < len(self):
            index = bisect.bisect_right(self._starts, self._position) - 1
            part = self._part(index)
            offset = self._position - self._starts[index]
            count = min(len(target) - written, len(part) - offset)
            target[written : written + count] = part[offset : offset + count]
            written += count
            self._position += count
        return written

    def __repr__(self) -> str:
        return f"<StreamedBody of {len(self)} bytes>"
