"""The header block of a message: checked, de-duplicated, and Django's own replaced. Pure.

* :func:`sendable_headers` checks the project's ``extra_headers`` (names,
  values, two spellings of a header that may appear once) and splits off
  ``MIME-Version``, ``Content-Type`` and ``Content-Transfer-Encoding``, which
  replace the ones Django writes instead of being added beside them.
* :func:`prepare_body` has Django encode a text body as a project's
  ``Content-Type`` describes it; :func:`replace_headers` then puts the
  project's values in place on the built message.
* :func:`header_value_problem` and :func:`duplicated_headers` are the checks
  :mod:`django_ses.sending.mime` applies to the subject and the built message.

Everything wrong raises :class:`~django_ses.exceptions.InvalidMessageError`
before any API call.
"""

from __future__ import annotations

import base64
import quopri
import re
from collections.abc import Iterable
from email.message import Message
from typing import Any

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError

__all__ = [
    "CONFIGURATION_SET_HEADER",
    "RESULT_KEYS",
    "duplicated_headers",
    "header_value_problem",
    "prepare_body",
    "replace_headers",
    "sendable_headers",
    "validate_header_name",
]

#: django-ses's per-message configuration set header. A value set by the
#: project picks the ``ConfigurationSetName`` API parameter; the MIME always
#: carries the one value the request names (SES strips it before delivery).
CONFIGURATION_SET_HEADER = "X-SES-CONFIGURATION-SET"

#: Keys the backend sets in ``extra_headers`` of a sent message (django-ses
#: compatibility). They are results, never MIME headers.
RESULT_KEYS = frozenset({"message_id", "request_id", "status"})

# RFC 5322 section 3.6: fields that may appear at most once.
_SINGLETON_HEADERS = frozenset(
    {
        "date",
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "message-id",
        "in-reply-to",
        "references",
        "subject",
    }
)

# Headers that describe the whole message: Django writes them itself, so a
# project's value replaces Django's instead of being added beside it.
_REPLACING_HEADERS = {
    "mime-version": "MIME-Version",
    "content-type": "Content-Type",
    "content-transfer-encoding": "Content-Transfer-Encoding",
}

# Every header the message carries at most once: RFC 5322 section 3.6, the
# replacing headers and RFC 2369 / RFC 8058's unsubscribe headers.
_ONCE_HEADERS = (
    _SINGLETON_HEADERS
    | frozenset(_REPLACING_HEADERS)
    | frozenset({"list-unsubscribe", "list-unsubscribe-post"})
)

# RFC 2045 section 6.4: a multipart entity is only ever 7bit, 8bit or binary.
_MULTIPART_ENCODINGS = frozenset({"7bit", "8bit", "binary"})

# RFC 5322 section 2.1.1: no line longer than 998 octets unless encoded.
_MAX_LINE = 998

# C0 controls other than tab, and DEL: never sent raw in a header (RFC 5322 section 2.2).
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def header_value_problem(value: Any) -> str | None:
    text = value if isinstance(value, str) else None
    if text is None:
        return None
    if "\r" in text or "\n" in text:
        return "contains a line break (CR or LF)"
    control = _CONTROL_CHARACTER.search(text)
    if control:
        return f"contains the control character {control.group()!r}"
    return None


def validate_header_name(name: Any) -> None:
    """Raise :class:`InvalidMessageError` unless ``name`` is printable ASCII without ':'."""
    text = str(name)
    if not text:
        raise InvalidMessageError("Invalid header name: it is empty.")
    bad = [ch for ch in text if not 33 <= ord(ch) <= 126 or ch == ":"]
    if bad:
        raise InvalidMessageError(
            f"Invalid header name {text!r}: header names may only contain printable "
            f"ASCII characters other than ':' (found {''.join(sorted(set(bad)))!r})."
        )


def sendable_headers(
    message: EmailMessage, configuration_set: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The headers Django adds to the message, and those that replace Django's own."""
    headers: dict[str, Any] = {}
    replacing: dict[str, str] = {}
    spellings: dict[str, str] = {}
    for name, value in (message.extra_headers or {}).items():
        if name in RESULT_KEYS or str(name).lower() == CONFIGURATION_SET_HEADER.lower():
            continue
        validate_header_name(name)
        problem = header_value_problem(value)
        if problem:
            raise InvalidMessageError(f"Invalid value for header {name!r}: it {problem}.")
        key = str(name).lower()
        if key in _ONCE_HEADERS and key in spellings:
            raise InvalidMessageError(
                f"extra_headers sets {spellings[key]!r} and {name!r}: the message may carry "
                "only one such header; keep one spelling."
            )
        spellings[key] = str(name)
        if key in _REPLACING_HEADERS:
            replacing[_REPLACING_HEADERS[key]] = str(value)
        else:
            headers[name] = value
    if configuration_set:
        problem = header_value_problem(configuration_set)
        if problem:
            raise InvalidMessageError(f"The configuration set name {problem}.")
        headers[CONFIGURATION_SET_HEADER] = configuration_set
    return headers, replacing


def _content_type(value: str) -> Message:
    """``value`` parsed as a Content-Type header, for its type and parameters."""
    parsed = Message()
    parsed["Content-Type"] = value
    return parsed


def prepare_body(clone: EmailMessage, content_type: str | None) -> None:
    """Have Django encode a text body the way a project's Content-Type describes it."""
    if content_type is None:
        return
    parsed = _content_type(content_type)
    if parsed.get_content_maintype() != "text":
        return
    clone.content_subtype = parsed.get_content_subtype()
    charset = parsed.get_param("charset")
    if isinstance(charset, str) and charset:
        clone.encoding = charset


def replace_headers(mime: Any, replacing: dict[str, str]) -> None:
    """Put the project's whole-message headers in place of the ones Django wrote."""
    if "Content-Type" in replacing:
        wanted = _content_type(replacing["Content-Type"]).get_content_maintype()
        if (wanted == "multipart") != bool(mime.is_multipart()):
            raise InvalidMessageError(
                f"The Content-Type header {replacing['Content-Type']!r} does not match the "
                f"message Django builds ({mime.get_content_type()}): set content_subtype, "
                "mixed_subtype or alternative_subtype instead."
            )
    if "Content-Transfer-Encoding" in replacing:
        _reencode(mime, replacing["Content-Transfer-Encoding"])
    for name, value in replacing.items():
        del mime[name]
        mime[name] = value


def _reencode(mime: Any, value: str) -> None:
    """Encode the body of ``mime`` with the transfer encoding ``value`` names."""
    encoding = value.strip().lower()
    if mime.is_multipart():
        if encoding not in _MULTIPART_ENCODINGS:
            raise InvalidMessageError(
                f"Invalid Content-Transfer-Encoding {value!r} for a multipart message: "
                "it can only be 7bit, 8bit or binary (RFC 2045 section 6.4)."
            )
        return
    body: bytes = mime.get_payload(decode=True) or b""
    if encoding == "base64":
        mime.set_payload(base64.encodebytes(body).decode("ascii"))
    elif encoding == "quoted-printable":
        mime.set_payload(quopri.encodestring(body).decode("ascii"))
    elif encoding in ("7bit", "8bit"):
        if encoding == "7bit" and not body.isascii():
            raise InvalidMessageError(
                "Content-Transfer-Encoding 7bit needs an ASCII body: use 8bit, "
                "quoted-printable or base64."
            )
        if any(len(line) > _MAX_LINE for line in body.splitlines()):
            raise InvalidMessageError(
                f"Content-Transfer-Encoding {encoding} cannot carry a line longer than "
                f"{_MAX_LINE} octets: use quoted-printable or base64."
            )
        mime.set_payload(body.decode("ascii", "surrogateescape"))
    else:
        raise InvalidMessageError(
            f"Unknown Content-Transfer-Encoding {value!r}: use 7bit, 8bit, "
            "quoted-printable or base64."
        )


def duplicated_headers(names: Iterable[Any]) -> list[str]:
    """The headers among ``names`` that may appear once but appear more often."""
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for name in names:
        key = str(name).lower()
        counts[key] = counts.get(key, 0) + 1
        spelling.setdefault(key, str(name))
    return sorted(spelling[key] for key, n in counts.items() if n > 1 and key in _ONCE_HEADERS)
