"""The one-click unsubscribe headers of one recipient (RFC 2369, RFC 8058). Pure functions.

:func:`one_click_headers` gives the two header fields for an unsubscribe URL:

* ``List-Unsubscribe: <https://…>``, the URL in angle brackets (RFC 2369);
* ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, which tells the mail
  client it may ``POST`` that body to the URL, with no further page (RFC 8058).

:func:`header_block` writes them as the lines of a MIME header block, to put in
front of a message rendered once for all its recipients (header order does not
matter; RFC 8058 wants them covered by the DKIM signature, which the sending
pipeline sees to when it signs).
"""

from __future__ import annotations

from collections.abc import Iterable

from django_ses.exceptions import InvalidMessageError

__all__ = [
    "LIST_UNSUBSCRIBE",
    "LIST_UNSUBSCRIBE_POST",
    "ONE_CLICK",
    "ONE_CLICK_VALUE",
    "UNSUBSCRIBE_HEADER_NAMES",
    "header_block",
    "one_click_headers",
]

LIST_UNSUBSCRIBE = "List-Unsubscribe"
LIST_UNSUBSCRIBE_POST = "List-Unsubscribe-Post"
#: The value of the ``List-Unsubscribe`` form field of a one-click ``POST``.
ONE_CLICK_VALUE = "One-Click"
#: The value of ``List-Unsubscribe-Post``, and the body a one-click ``POST`` carries.
ONE_CLICK = f"{LIST_UNSUBSCRIBE}={ONE_CLICK_VALUE}"
#: The two header names, lower-cased (for comparisons and DKIM's list of signed headers).
UNSUBSCRIBE_HEADER_NAMES = (LIST_UNSUBSCRIBE.lower(), LIST_UNSUBSCRIBE_POST.lower())

# SES's longest header value (botocore's MessageHeaderValue), and the printable ASCII it takes.
_MAX_VALUE = 995


def one_click_headers(url: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """The ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` fields for ``url``.

    Raises :class:`~django_ses.exceptions.InvalidMessageError` unless ``url`` is
    an ``https://`` or ``http://`` URL of printable ASCII that fits in a header.
    """
    if not url.startswith(("https://", "http://")):
        raise InvalidMessageError(
            f"The unsubscribe URL {url[:80]!r} is not absolute: set AWS_SES_UNSUBSCRIBE_BASE_URL "
            "to the site's scheme and host, such as 'https://www.example.com'."
        )
    value = f"<{url}>"
    if not all(32 < ord(ch) < 127 for ch in url) or len(value) > _MAX_VALUE:
        raise InvalidMessageError(
            f"The unsubscribe URL {url[:80]!r} must be printable ASCII without spaces and at "
            f"most {_MAX_VALUE - 2} characters."
        )
    return (LIST_UNSUBSCRIBE, value), (LIST_UNSUBSCRIBE_POST, ONE_CLICK)


def header_block(headers: Iterable[tuple[str, str]]) -> bytes:
    """``headers`` as MIME header lines, each ending in CRLF (values are ASCII)."""
    return b"".join(f"{name}: {value}\r\n".encode("ascii") for name, value in headers)
