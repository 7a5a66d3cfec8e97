"""DKIM signing of outgoing raw messages with dkimpy.

This is the "manual DKIM signing" of django-ses's settings (``DKIM_DOMAIN``,
``DKIM_PRIVATE_KEY``, ``DKIM_SELECTOR``, ``DKIM_HEADERS``). Amazon SES's Easy
DKIM needs none of it.

The private key is accepted exactly as users write it in ``settings.py``: a
triple-quoted string that starts with a newline and may be indented, with
``\\n`` or ``\\r\\n`` line endings, or bytes. It is an RSA key in PEM form,
PKCS#1 (``BEGIN RSA PRIVATE KEY``) or PKCS#8 (``BEGIN PRIVATE KEY``),
unencrypted. A key that cannot be used raises
:class:`~django_ses.exceptions.DKIMKeyError` (an ``SESError`` and a
``ValueError``) that says what is wrong, never a dkimpy traceback.

dkimpy is an optional dependency (``pip install django-ses[dkim]``) and is
imported only when a message is signed.
"""

from __future__ import annotations

import binascii
import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django_ses.conf import DEFAULT_DKIM_HEADERS
from django_ses.exceptions import DKIMError, DKIMKeyError, DKIMNotInstalledError

__all__ = [
    "DEFAULT_SIGNED_HEADERS",
    "DKIMPrivateKey",
    "dkimpy_available",
    "load_private_key",
    "normalize_signed_headers",
    "sign_message",
]

#: Headers signed when ``DKIM_HEADERS`` is not set (the setting's default). SES
#: rewrites ``Date`` and ``Message-ID``, so they are not signed by default.
DEFAULT_SIGNED_HEADERS: tuple[str, ...] = DEFAULT_DKIM_HEADERS

#: RFC 6376 section 5.4: these header fields must not be signed.
_UNSIGNABLE_HEADERS = frozenset(
    {"return-path", "received", "comments", "keywords", "bcc", "resent-bcc", "dkim-signature"}
)

#: Keys shorter than this are rejected by verifiers (RFC 8301, section 3.2).
MIN_VERIFIABLE_KEY_BITS = 1024

_HEADER_NAME = re.compile(r"^[\x21-\x39\x3b-\x7e]+$")  # RFC 5322 ftext: printable, no colon
_PEM_BLOCK = re.compile(
    rb"-----BEGIN (?P<label>[A-Z0-9 ]+)-----\n(?P<body>.*?)\n?-----END (?P=label)-----",
    re.DOTALL,
)


@dataclass(frozen=True)
class DKIMPrivateKey:
    """A private key normalised to the PEM bytes dkimpy parses."""

    pem: bytes
    bits: int


def dkimpy_available() -> bool:
    """Return whether dkimpy (the ``dkim`` module) can be imported."""
    return importlib.util.find_spec("dkim") is not None


def _normalize_pem(key: str | bytes) -> bytes:
    if isinstance(key, str):
        try:
            data = key.encode("ascii")
        except UnicodeEncodeError:
            raise DKIMKeyError(
                "The DKIM private key contains non-ASCII characters. Paste the PEM text "
                "of the key (it starts with '-----BEGIN RSA PRIVATE KEY-----' or "
                "'-----BEGIN PRIVATE KEY-----')."
            ) from None
    elif isinstance(key, (bytes, bytearray, memoryview)):
        data = bytes(key)
    else:
        raise DKIMKeyError(
            f"The DKIM private key must be a str or bytes with the PEM text of the key, "
            f"not {type(key).__name__}."
        )
    # Settings files indent the key and start it on a new line: strip every line
    # and drop blank ones, so only the PEM armour and the base64 lines remain.
    lines = [line.strip() for line in data.splitlines()]
    return b"\n".join(line for line in lines if line) + b"\n"


def load_private_key(key: str | bytes) -> DKIMPrivateKey:
    """Normalise and check a DKIM private key.

    Raises :class:`DKIMKeyError` with an actionable message when the key is not
    an unencrypted RSA private key in PEM form, and :class:`DKIMNotInstalledError`
    when dkimpy is missing.
    """
    pem = _normalize_pem(key)
    if not pem.strip():
        raise DKIMKeyError(
            "The DKIM private key is empty. Set DKIM_PRIVATE_KEY to the PEM text of an RSA "
            "private key, or unset DKIM_DOMAIN to send without manual DKIM signing."
        )
    match = _PEM_BLOCK.search(pem)
    if match is None:
        raise DKIMKeyError(
            "The DKIM private key is not in PEM form: expected a block starting with "
            "'-----BEGIN RSA PRIVATE KEY-----' or '-----BEGIN PRIVATE KEY-----'. Generate one "
            "with 'openssl genrsa 2048' and publish the public key "
            "('openssl rsa -pubout') in DNS."
        )
    label = match.group("label").decode("ascii")
    if "ENCRYPTED" in label or b"Proc-Type: 4,ENCRYPTED" in match.group("body"):
        raise DKIMKeyError(
            "The DKIM private key is encrypted with a passphrase. Decrypt it first, for "
            "example with 'openssl rsa -in encrypted.pem -out key.pem'."
        )
    if label not in ("RSA PRIVATE KEY", "PRIVATE KEY"):
        raise DKIMKeyError(
            f"The DKIM private key is a PEM '{label}' block, but an RSA private key is needed "
            "('-----BEGIN RSA PRIVATE KEY-----' or '-----BEGIN PRIVATE KEY-----'). A public "
            "key or certificate cannot sign."
        )
    pem = match.group(0) + b"\n"
    crypto = _import_dkim_crypto()
    try:
        parsed = crypto.parse_pem_private_key(pem)
    except (crypto.UnparsableKeyError, binascii.Error, ValueError, IndexError, TypeError) as exc:
        raise DKIMKeyError(
            f"The DKIM private key could not be read as an RSA key ({exc}). Check that the "
            "whole PEM block was copied, or generate a new key with 'openssl genrsa 2048'."
        ) from exc
    return DKIMPrivateKey(pem=pem, bits=int(parsed["modulus"]).bit_length())


def normalize_signed_headers(
    headers: Sequence[str | bytes] | str | bytes | None,
) -> tuple[bytes, ...]:
    """Return the header names to sign, lower-cased, with ``From`` always included.

    ``headers`` may be a sequence of names (``str`` or ``bytes``) or a single
    string such as ``"From, To, Subject"`` or ``"from:to:subject"``. ``None``
    or an empty value means :data:`DEFAULT_SIGNED_HEADERS`.
    """
    names: list[object]
    if headers is None:
        names = list(DEFAULT_SIGNED_HEADERS)
    elif isinstance(headers, (str, bytes)):
        text = headers.decode("ascii", "replace") if isinstance(headers, bytes) else headers
        names = [part for part in re.split(r"[\s,:;]+", text) if part]
    else:
        names = list(headers)
    if not names:
        names = list(DEFAULT_SIGNED_HEADERS)
    result: list[bytes] = []
    for name in names:
        if isinstance(name, bytes):
            text = name.decode("ascii", "replace")
        elif isinstance(name, str):
            text = name
        else:
            raise DKIMError(
                f"DKIM_HEADERS must contain header names as strings, not {type(name).__name__}."
            )
        text = text.strip().rstrip(":").strip()
        if not _HEADER_NAME.match(text):
            raise DKIMError(
                f"DKIM_HEADERS contains {name!r}, which is not a header name. Use names such "
                "as 'From', 'To', 'Cc', 'Subject'."
            )
        lowered = text.lower()
        if lowered in _UNSIGNABLE_HEADERS:
            raise DKIMError(
                f"DKIM_HEADERS contains {text!r}, which must not be DKIM-signed (RFC 6376, "
                "section 5.4): remove it."
            )
        encoded = lowered.encode("ascii")
        if encoded not in result:
            result.append(encoded)
    # RFC 6376 section 5.4: the From header field MUST be signed.
    if b"from" not in result:
        result.insert(0, b"from")
    return tuple(result)


def _ascii_label(value: str | bytes, setting: str) -> bytes:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str) or not value.strip():
        raise DKIMError(f"{setting} must be a non-empty string, got {value!r}.")
    value = value.strip().rstrip(".")
    try:
        encoded = value.encode("idna")
    except UnicodeError as exc:
        raise DKIMError(f"{setting} {value!r} is not a valid domain name ({exc}).") from exc
    if any(ch in encoded for ch in b" ;=\t\r\n"):
        raise DKIMError(f"{setting} {value!r} contains characters a DNS name cannot hold.")
    return encoded


def sign_message(
    raw: bytes,
    *,
    domain: str,
    private_key: str | bytes,
    selector: str,
    headers: Sequence[str | bytes] | str | bytes | None,
) -> bytes:
    """Return ``raw`` with a ``DKIM-Signature`` header prepended.

    Signs with RSA-SHA256 and relaxed/relaxed canonicalisation, which survives
    the whitespace changes mail relays make. The message keeps its own line
    endings (``\\n`` or ``\\r\\n``); the signature header uses the same.
    """
    key = load_private_key(private_key)
    include_headers = normalize_signed_headers(headers)
    domain_bytes = _ascii_label(domain, "DKIM_DOMAIN")
    selector_bytes = _ascii_label(selector, "DKIM_SELECTOR")
    dkim = _import_dkim()
    first_newline = raw.find(b"\n")
    linesep = b"\r\n" if raw[first_newline - 1 : first_newline] == b"\r" else b"\n"
    try:
        signature = dkim.sign(
            raw,
            selector_bytes,
            domain_bytes,
            key.pem,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=list(include_headers),
            linesep=linesep,
        )
    except dkim.KeyFormatError as exc:
        raise DKIMKeyError(f"The DKIM private key cannot sign: {exc}.") from exc
    except dkim.MessageFormatError as exc:
        raise DKIMError(f"The message cannot be DKIM-signed: {exc}.") from exc
    except dkim.DKIMException as exc:
        raise DKIMError(f"DKIM signing failed: {exc}.") from exc
    if not signature.endswith(linesep):
        signature = signature.rstrip(b"\r\n") + linesep
    return bytes(signature) + raw


_NOT_INSTALLED = (
    "DKIM signing needs dkimpy. Install it with 'pip install django-ses[dkim]', or unset "
    "DKIM_DOMAIN and DKIM_PRIVATE_KEY to send without manual DKIM signing."
)


def _import_dkim() -> Any:
    try:
        import dkim  # an optional dependency: pip install django-ses[dkim]
    except ImportError as exc:
        raise DKIMNotInstalledError(_NOT_INSTALLED) from exc
    return dkim


def _import_dkim_crypto() -> Any:
    try:
        import dkim.crypto  # an optional dependency: pip install django-ses[dkim]
    except ImportError as exc:
        raise DKIMNotInstalledError(_NOT_INSTALLED) from exc
    return dkim.crypto
