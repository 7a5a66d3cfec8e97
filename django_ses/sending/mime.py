"""From a Django ``EmailMessage`` to the raw MIME SES receives. Pure functions, no I/O.

* :func:`render_mime` builds the raw MIME bytes (CRLF line endings), without
  Bcc, with the ``X-SES-CONFIGURATION-SET`` header holding the configuration
  set the request names (as django-ses writes it) and without the result
  keys (``message_id``, ``request_id``, ``status``) that the backend stores
  in ``extra_headers`` for django-ses compatibility.
* :func:`message_recipients` lists the envelope recipients (To, Cc, Bcc);
  :func:`parse_address` / :func:`encode_address` check and encode addresses.
* :func:`configuration_set_header` and :func:`check_size` read and check the
  message for the request (built by :mod:`django_ses.sending.request`);
  :func:`check_size_before_rendering` refuses a message whose attachments alone
  are over the limit, before it is rendered. Large binary attachments are
  rendered once, by :mod:`django_ses.sending.attachments`.

Everything that is wrong with a message raises
:class:`~django_ses.exceptions.InvalidMessageError` before any API call.
"""

from __future__ import annotations

import copy
import email.errors
import email.generator
import email.policy
import functools
import inspect
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formataddr, getaddresses
from typing import Any, Literal

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError, MessageTooLargeError
from django_ses.sending import attachments, email_policy, header_models
from django_ses.sending.headers import (
    CONFIGURATION_SET_HEADER,
    RESULT_KEYS,
    duplicated_headers,
    header_value_problem,
    prepare_body,
    replace_headers,
    sendable_headers,
)

__all__ = [
    "CONFIGURATION_SET_HEADER",
    "RESULT_KEYS",
    "SIZE_LIMITS",
    "Recipient",
    "check_size",
    "check_size_before_rendering",
    "configuration_set_header",
    "encode_address",
    "message_recipients",
    "parse_address",
    "render_mime",
]

Api = Literal["v1", "v2"]

#: The largest raw message each API accepts, attachments included.
SIZE_LIMITS: dict[Api, int] = {"v1": 10 * 1024 * 1024, "v2": 40 * 1024 * 1024}

_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_QUOTED_LOCAL = re.compile(r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"')
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


@dataclass(frozen=True)
class Recipient:
    """One envelope recipient of a message."""

    kind: Literal["to", "cc", "bcc"]
    #: As the message gives it, display name included.
    address: str
    #: The bare address SES receives as a destination (IDNA-encoded domain).
    destination: str


@dataclass(frozen=True)
class ParsedAddress:
    display_name: str
    #: ``local@domain`` with an IDNA-encoded (ASCII) domain.
    addr_spec: str


@functools.lru_cache(maxsize=256)
def parse_address(address: str, *, field: str = "address") -> ParsedAddress:
    """Parse one address (``"Jane <jane@example.com>"`` or ``"jane@example.com"``).

    Raises :class:`InvalidMessageError` for anything SES would reject: no or
    several addresses, control characters, a non-ASCII local part (SES does not
    support SMTPUTF8) or an invalid domain. Non-ASCII domains are IDNA-encoded.
    The last 256 addresses parsed are kept (the sender of a batch is parsed once).
    """
    text = str(address)
    if not text.strip():
        raise InvalidMessageError(f"Invalid {field}: empty address.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InvalidMessageError(f"Invalid {field} {text!r}: it contains control characters.")
    pairs = getaddresses([text])
    if len(pairs) != 1 or not pairs[0][1]:
        raise InvalidMessageError(
            f"Invalid {field} {text!r}: give exactly one address per list item, "
            "like 'jane@example.com' or 'Jane Doe <jane@example.com>'."
        )
    display_name, addr = pairs[0]
    # The parser forgives whitespace inside an address ("a@exa mple.com" reads as
    # "a@example.com"): a typo must not reach a different mailbox.
    if addr not in text:
        raise InvalidMessageError(
            f"Invalid {field} {text!r}: write it as 'jane@example.com' or "
            "'Jane Doe <jane@example.com>', without spaces in the address."
        )
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain:
        raise InvalidMessageError(f"Invalid {field} {text!r}: an address needs local@domain.")
    if not local.isascii():
        raise InvalidMessageError(
            f"Invalid {field} {text!r}: SES does not accept non-ASCII characters before "
            "the '@' (it does not support SMTPUTF8)."
        )
    if not (_DOT_ATOM.fullmatch(local) or _QUOTED_LOCAL.fullmatch(local)):
        raise InvalidMessageError(f"Invalid {field} {text!r}: the part before '@' is not valid.")
    ascii_domain = _ascii_domain(domain, text, field)
    return ParsedAddress(display_name=display_name, addr_spec=f"{local}@{ascii_domain}")


def _ascii_domain(domain: str, text: str, field: str) -> str:
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidMessageError(f"Invalid {field} {text!r}: invalid domain.") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise InvalidMessageError(
            f"Invalid {field} {text!r}: the domain must look like example.com."
        )
    return ascii_domain


def encode_address(address: str, *, field: str = "address") -> str:
    """Return ``address`` as the SES API needs it.

    A non-ASCII display name is RFC 2047-encoded and a non-ASCII domain is
    IDNA-encoded: ``"Zoë <zoe@exämple.com>"`` becomes
    ``"=?utf-8?b?Wm/Dqw==?= <zoe@xn--exmple-cua.com>"``.
    """
    parsed = parse_address(str(address), field=field)
    return formataddr((parsed.display_name, parsed.addr_spec), charset="utf-8")


def message_recipients(message: EmailMessage) -> list[Recipient]:
    """Return the envelope recipients of ``message``: To, Cc then Bcc.

    Empty entries are skipped and an address given twice (compared without
    display name and case) is kept once.
    """
    seen: set[str] = set()
    recipients: list[Recipient] = []
    kinds: tuple[tuple[Literal["to", "cc", "bcc"], Sequence[str]], ...] = (
        ("to", message.to),
        ("cc", message.cc),
        ("bcc", message.bcc),
    )
    for kind, addresses in kinds:
        for address in addresses or ():
            if not address:
                continue
            parsed = parse_address(str(address), field=f"{kind.capitalize()} address")
            key = parsed.addr_spec.lower()
            if key in seen:
                continue
            seen.add(key)
            recipients.append(Recipient(kind, str(address), parsed.addr_spec))
    return recipients


def configuration_set_header(message: EmailMessage) -> str | None:
    """The value of the message's ``X-SES-CONFIGURATION-SET`` header, if any."""
    for name, value in (message.extra_headers or {}).items():
        if str(name).lower() == CONFIGURATION_SET_HEADER.lower():
            text = str(value).strip()
            return text or None
    return None


@functools.lru_cache(maxsize=64)
def _takes(function: Any, parameter: str) -> bool:
    """Whether ``function`` has a parameter named ``parameter`` (asked once per function)."""
    try:
        return parameter in inspect.signature(function).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins only
        return False


def _build(message: EmailMessage) -> Any:
    method: Any = message.message
    if _takes(getattr(method, "__func__", method), "policy"):  # Django >= 6.0: modern API
        return method(policy=email_policy.SMTP)
    return method()


def _serialize(mime: Any) -> bytes:
    """The bytes of ``mime`` with CRLF line endings, written as Django writes them."""
    as_bytes = mime.as_bytes
    if not _takes(getattr(as_bytes, "__func__", as_bytes), "linesep"):  # Django >= 6.0
        policy = mime.policy
        if policy.linesep != "\r\n":  # ours (email_policy.SMTP) has CRLF already
            policy = policy.clone(linesep="\r\n")
        return bytes(as_bytes(policy=policy))
    if mime.policy is not email.policy.compat32:  # not one of Django's: as it writes itself
        return bytes(as_bytes(linesep="\r\n"))
    # Django < 6.0's as_bytes(), with the legacy policy's faster stand-in.
    out = io.BytesIO()
    generator = email.generator.BytesGenerator(
        out, mangle_from_=False, policy=email_policy.COMPAT32
    )
    generator.flatten(mime, unixfrom=False, linesep="\r\n")
    return out.getvalue()


def _set_boundaries(mime: Any) -> None:
    """Give each multipart part without a boundary one of its own
    (:func:`~django_ses.sending.header_models.new_boundary`).

    The email package would make up one and then search the part's whole
    rendered text for it with a regular expression compiled for that boundary
    alone: a new compilation per part, the costliest step of a small message.
    Ours is random and chosen after the content was written (a base64
    attachment spliced in later has no ``-`` to start a boundary line).
    """
    for part in mime.walk():
        if part.get_content_maintype() != "multipart":
            continue
        # Without the word, there is no boundary parameter to parse for.
        declared = "boundary" in str(part.get("content-type", "")).lower()
        if declared and part.get_boundary() is not None:
            continue
        part.set_boundary(header_models.new_boundary())


def render_mime(
    message: EmailMessage,
    *,
    to: Sequence[str] | None = None,
    cc: Sequence[str] | None = None,
    configuration_set: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """The raw MIME of ``message`` as SES must receive it, with CRLF line endings.

    ``to`` and ``cc`` replace the message's lists in the headers (the backend
    passes them without blacklisted recipients). Bcc never appears. The
    ``X-SES-CONFIGURATION-SET`` header is ``configuration_set`` alone: any
    spelling of it in ``extra_headers`` is replaced, so the MIME and the API
    parameter never disagree. The ``message`` itself is not modified.

    ``message_id`` is the ``Message-ID`` written when ``extra_headers`` has
    none (Django makes up one otherwise): the check of a batch and the
    rendering for its send then write the same, and agree on the size.

    ``MIME-Version``, ``Content-Type`` and ``Content-Transfer-Encoding`` in
    ``extra_headers`` replace the ones Django writes (a text body is encoded
    with the charset and the transfer encoding they name).

    Raises :class:`InvalidMessageError` for an invalid header name or value,
    for two spellings of a header that may appear only once, and for a
    ``Content-Type`` or ``Content-Transfer-Encoding`` the message's structure
    cannot carry.
    """
    problem = header_value_problem(message.subject)
    if problem:
        raise InvalidMessageError(f"Invalid value for header 'Subject': it {problem}.")
    clone = copy.copy(message)
    clone.extra_headers, replacing = sendable_headers(message, configuration_set)
    if message_id is not None and "message-id" not in {str(n).lower() for n in clone.extra_headers}:
        clone.extra_headers["Message-ID"] = message_id
    prepare_body(clone, replacing.get("Content-Type"))
    if to is not None:
        clone.to = list(to)
    if cc is not None:
        clone.cc = list(cc)
    # Large binary attachments are rendered once, into the final bytes (see
    # sending.attachments); the email package renders the rest, small.
    placeholders = attachments.with_placeholders(clone)
    try:
        mime = _build(clone)
        replace_headers(mime, replacing)
        _set_boundaries(mime)
        raw = _serialize(mime)
        spliced = attachments.splice(raw, placeholders) if placeholders else raw
        if spliced is None:  # not encoded as expected: render the message as it is
            clone.attachments = message.attachments
            mime = _build(clone)
            replace_headers(mime, replacing)
            _set_boundaries(mime)
            spliced = _serialize(mime)
        raw = spliced
    except InvalidMessageError:
        raise
    except (ValueError, LookupError, email.errors.MessageError) as error:
        raise InvalidMessageError(f"The message cannot be encoded: {error}") from error
    duplicated = duplicated_headers(mime.keys())
    if duplicated:
        raise InvalidMessageError(
            f"The message has more than one {', '.join(duplicated)} header; each may appear "
            "only once (RFC 5322). Check extra_headers for a second spelling of the same name."
        )
    return raw


def check_size(size: int, api: Api) -> None:
    """Raise :class:`MessageTooLargeError` when a raw message of ``size`` bytes is over
    the API's limit."""
    limit = SIZE_LIMITS[api]
    if size > limit:
        raise MessageTooLargeError(size, limit, api)


def check_size_before_rendering(message: EmailMessage, api: Api) -> None:
    """Raise :class:`MessageTooLargeError` when ``message`` is certainly over the limit.

    From its binary attachments' encoded size alone (a lower bound), so an
    oversized message is refused before it is rendered. :func:`check_size`
    checks the rendered message exactly.
    """
    limit = SIZE_LIMITS[api]
    size = attachments.minimum_size(message)
    if size > limit:
        raise MessageTooLargeError(size, limit, api, at_least=True)
