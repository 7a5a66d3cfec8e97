"""Reading and verifying Amazon SNS HTTP(S) messages.

Everything here follows Amazon's "Verifying the signatures of Amazon SNS
messages":

* the string to sign is ``key\\nvalue\\n`` for a fixed list of keys in a fixed
  order, which depends on the message type (``Subject`` only when present);
* ``SignatureVersion`` ``"1"`` is RSA with SHA1, ``"2"`` RSA with SHA256; no
  other value is accepted;
* the signing certificate must come from an SNS host:
  ``https://sns.<region>.amazonaws.com[.cn]/<name>.pem``. The URL is checked
  before any network call, and the ``AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS``
  setting (and its old names) can only narrow the rule, never widen it.

Certificates are fetched with ``requests`` (short timeout, no redirects, a
capped body), must hold exactly one PEM certificate with an RSA key, and are
cached per process with a time-to-live in a bounded cache. A failed fetch is
remembered only for a few seconds, and surfaces as
:class:`CertificateFetchError` so the webhook answers 5xx and SNS retries.

``requests`` and ``cryptography`` come with the ``django-ses[events]`` extra
and are imported only when a message is verified.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import re
import threading
import time
import urllib.parse
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from django_ses.conf import get_setting

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.x509 import Certificate

logger = logging.getLogger("django_ses.webhook")

__all__ = [
    "CERT_CACHE_MAX_ENTRIES",
    "CERT_CACHE_TTL",
    "CERT_FAILURE_TTL",
    "CERT_FETCH_TIMEOUT",
    "CERT_MAX_BYTES",
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "MESSAGE_TYPES",
    "BounceMessageVerifier",
    "CertificateFetchError",
    "EventMessageVerifier",
    "MalformedSNSMessage",
    "NestedTooDeeply",
    "SNSMessageError",
    "UntrustedSNSMessage",
    "VerificationUnavailable",
    "canonical_string",
    "check_certificate_url",
    "check_envelope",
    "clear_cert_cache",
    "is_topic_arn",
    "load_json_object",
    "verify_bounce_message",
    "verify_event_message",
]

MESSAGE_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")

# The keys of the string to sign, in order, per message type.
_SIGNED_KEYS: dict[str, tuple[str, ...]] = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
_SIGNED_KEYS["UnsubscribeConfirmation"] = _SIGNED_KEYS["SubscriptionConfirmation"]
_OPTIONAL_SIGNED_KEYS = frozenset({"Subject"})

# SignatureVersion -> hash algorithm name (cryptography.hazmat.primitives.hashes).
_SIGNATURE_HASHES = {"1": "SHA1", "2": "SHA256"}
_SIGNATURE_KEYS = ("SignatureVersion", "Signature", "SigningCertURL")

# Limits. SNS messages are at most 256 KiB; JSON escaping of the embedded SES
# record can nearly double that.
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
CERT_FETCH_TIMEOUT = (3.05, 5.0)  # connect, read (seconds)
CERT_MAX_BYTES = 64 * 1024
CERT_CACHE_TTL = 6 * 60 * 60.0
CERT_FAILURE_TTL = 10.0
CERT_CACHE_MAX_ENTRIES = 32

_CERT_HOST = re.compile(r"^sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?$")
_TOPIC_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$"
)


class SNSMessageError(Exception):
    """An SNS message that is not accepted; ``reason`` says why (safe to log)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class MalformedSNSMessage(SNSMessageError, ValueError):
    """The message is not a well-formed SNS message (the webhook answers 400)."""


class NestedTooDeeply(MalformedSNSMessage):
    """The JSON nests deeper than :data:`MAX_JSON_DEPTH`."""


class UntrustedSNSMessage(SNSMessageError):
    """The message is well-formed but not authentic or not allowed (403)."""


class CertificateFetchError(SNSMessageError):
    """The signing certificate could not be obtained right now (5xx: SNS retries)."""


class VerificationUnavailable(SNSMessageError):
    """``requests``/``cryptography`` are missing: install ``django-ses[events]``."""


# -- reading -------------------------------------------------------------------------


def _nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether parsed JSON nests objects/arrays deeper than ``limit`` (iterative)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_json_object(text: str | bytes, *, what: str = "body") -> dict[str, Any]:
    """Parse ``text`` as a JSON object, with a nesting limit.

    Raises :class:`MalformedSNSMessage` for invalid UTF-8 or JSON, for ``NaN``
    and friends, for nesting deeper than :data:`MAX_JSON_DEPTH` and for
    anything but an object at the top.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedSNSMessage(f"the {what} is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise NestedTooDeeply(f"the {what} is nested too deeply") from None
    except ValueError:
        raise MalformedSNSMessage(f"the {what} is not valid JSON") from None
    if _nesting_exceeds(value, MAX_JSON_DEPTH):
        raise NestedTooDeeply(f"the {what} is nested too deeply")
    if not isinstance(value, dict):
        raise MalformedSNSMessage(f"the {what} is not a JSON object")
    return value


def _required_keys(message_type: str) -> tuple[str, ...]:
    if message_type in _SIGNED_KEYS:
        return tuple(k for k in _SIGNED_KEYS[message_type] if k not in _OPTIONAL_SIGNED_KEYS)
    return ("MessageId", "TopicArn", "Type")


_OPTIONAL_STRING_KEYS = (
    "Subject",
    "SignatureVersion",
    "Signature",
    "SigningCertURL",
    "UnsubscribeURL",
    "SubscribeURL",
    "Token",
)


def check_envelope(notification: Mapping[str, Any]) -> None:
    """Check the SNS envelope keys: required ones present, all of them strings.

    Signature keys are checked by the verifier, as they are only needed when
    signatures are verified. Raises :class:`MalformedSNSMessage`.
    """
    message_type = notification.get("Type")
    if not isinstance(message_type, str) or not message_type:
        raise MalformedSNSMessage("'Type' is missing or not a string")
    for key in _required_keys(message_type):
        if not isinstance(notification.get(key), str):
            raise MalformedSNSMessage(f"{key!r} is missing or not a string")
    for key in _OPTIONAL_STRING_KEYS:
        value = notification.get(key)
        if value is not None and not isinstance(value, str):
            raise MalformedSNSMessage(f"{key!r} is not a string")
    message_id = notification["MessageId"]
    if not 0 < len(message_id) <= 128 or not message_id.isprintable():
        raise MalformedSNSMessage("'MessageId' is not a valid SNS message id")
    if not is_topic_arn(notification["TopicArn"]):
        raise MalformedSNSMessage("'TopicArn' is not an SNS topic ARN")


def is_topic_arn(value: object) -> bool:
    """Whether ``value`` is an SNS topic ARN."""
    return isinstance(value, str) and _TOPIC_ARN.match(value) is not None


def topic_region(topic_arn: str) -> str:
    """The region of an SNS topic ARN (``arn:aws:sns:<region>:<account>:<name>``)."""
    return topic_arn.split(":")[3]


# -- the string to sign ----------------------------------------------------------------


def canonical_string(notification: Mapping[str, Any]) -> bytes:
    """SNS's string to sign for ``notification``, as UTF-8 bytes.

    Raises :class:`UntrustedSNSMessage` for a message type SNS does not sign.
    """
    message_type = notification.get("Type")
    keys = _SIGNED_KEYS.get(message_type) if isinstance(message_type, str) else None
    if keys is None:
        raise UntrustedSNSMessage("the message Type is not one that SNS signs")
    parts: list[str] = []
    for key in keys:
        value = notification.get(key)
        if value is None and key in _OPTIONAL_SIGNED_KEYS:
            continue
        parts.append(f"{key}\n{value}\n")
    return "".join(parts).encode("utf-8")


# -- the certificate URL ---------------------------------------------------------------


def trusted_cert_domains() -> tuple[str, ...] | None:
    """The configured narrowing of certificate hosts, or ``None`` when unset.

    Read from ``AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS`` and its older names
    ``AWS_SNS_BOUNCE_CERT_TRUSTED_DOMAINS``, ``EVENT_CERT_DOMAINS`` and
    ``BOUNCE_CERT_DOMAINS``. A string is one domain.
    """
    value = get_setting(
        "AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS",
        fallbacks=(
            "AWS_SNS_BOUNCE_CERT_TRUSTED_DOMAINS",
            "EVENT_CERT_DOMAINS",
            "BOUNCE_CERT_DOMAINS",
        ),
    )
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)):
        return ()  # misconfigured (system check E032): trust no host
    return tuple(
        item.strip().lower().strip(".") for item in items if isinstance(item, str) and item.strip()
    )


def _host_in_domains(host: str, domains: Iterable[str]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def check_certificate_url(url: object) -> str:
    """Return ``url`` when it is an SNS signing-certificate URL, else raise.

    The rule: ``https``, host ``sns.<region>.amazonaws.com`` or
    ``sns.<region>.amazonaws.com.cn``, no port, user info, query or fragment,
    and a path ending in ``.pem``. When trusted domains are configured, the
    host must also be in one of them. Raises :class:`UntrustedSNSMessage`.
    """
    if not isinstance(url, str) or not url.isprintable() or any(c.isspace() for c in url):
        raise UntrustedSNSMessage("SigningCertURL is not a URL")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https":
        raise UntrustedSNSMessage("SigningCertURL is not https")
    if "@" in parts.netloc or ":" in parts.netloc:
        raise UntrustedSNSMessage("SigningCertURL has user info or a port")
    if not _CERT_HOST.match(parts.netloc):
        raise UntrustedSNSMessage("SigningCertURL is not on an SNS host")
    if "?" in url or "#" in url:
        raise UntrustedSNSMessage("SigningCertURL has a query or fragment")
    if (
        not parts.path.startswith("/")
        or not parts.path.endswith(".pem")
        or "/." in parts.path
        or "\\" in parts.path
        or "%" in parts.path
    ):
        raise UntrustedSNSMessage("SigningCertURL does not name a .pem file")
    domains = trusted_cert_domains()
    if domains is not None and not _host_in_domains(parts.netloc, domains):
        raise UntrustedSNSMessage("SigningCertURL host is not in the trusted domains")
    return url


# -- fetching and caching certificates ------------------------------------------------


def _crypto() -> Any:
    try:
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise VerificationUnavailable(
            "the 'cryptography' package is missing: install django-ses[events]"
        ) from None

    return SimpleNamespace(
        x509=x509, InvalidSignature=InvalidSignature, hashes=hashes, padding=padding, rsa=rsa
    )


def _requests() -> Any:
    try:
        import requests
    except ImportError:
        raise VerificationUnavailable(
            "the 'requests' package is missing: install django-ses[events]"
        ) from None
    return requests


@dataclass(frozen=True)
class _CacheEntry:
    expires: float
    certificate: Certificate | None = None
    failure: str = ""


class _CertificateCache:
    """Certificates by URL, with a time-to-live, at most ``max_entries`` of them."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, _CacheEntry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> _CacheEntry | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if entry.expires <= time.monotonic():
                del self._entries[url]
                return None
            self._entries.move_to_end(url)
            return entry

    def put(self, url: str, entry: _CacheEntry) -> None:
        with self._lock:
            self._entries[url] = entry
            self._entries.move_to_end(url)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Certificates and failed fetches are kept apart, so a flood of messages naming
# certificates that do not exist cannot push the genuine one out of the cache.
_cache = _CertificateCache(CERT_CACHE_MAX_ENTRIES)
_failures = _CertificateCache(CERT_CACHE_MAX_ENTRIES)


def clear_cert_cache() -> None:
    """Forget every cached certificate and remembered fetch failure."""
    _cache.clear()
    _failures.clear()


def _download(url: str) -> bytes:
    requests = _requests()
    try:
        response = requests.get(url, timeout=CERT_FETCH_TIMEOUT, allow_redirects=False, stream=True)
    except requests.RequestException as exc:
        raise CertificateFetchError(
            f"fetching the certificate failed: {type(exc).__name__}"
        ) from None
    with response:
        if response.status_code != 200:
            raise CertificateFetchError(
                f"fetching the certificate answered HTTP {response.status_code}"
            )
        body = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=8192):
                body.extend(chunk)
                if len(body) > CERT_MAX_BYTES:
                    raise CertificateFetchError("the certificate is larger than allowed")
        except requests.RequestException as exc:
            raise CertificateFetchError(
                f"reading the certificate failed: {type(exc).__name__}"
            ) from None
    return bytes(body)


def _load_certificate(pem: bytes) -> Certificate:
    crypto = _crypto()
    if pem.count(b"-----BEGIN CERTIFICATE-----") != 1:
        raise CertificateFetchError("the response is not exactly one PEM certificate")
    try:
        certificates = crypto.x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise CertificateFetchError("the response is not a PEM certificate") from None
    if len(certificates) != 1:
        raise CertificateFetchError("the response is not exactly one PEM certificate")
    certificate: Certificate = certificates[0]
    if not isinstance(certificate.public_key(), crypto.rsa.RSAPublicKey):
        raise CertificateFetchError("the certificate does not hold an RSA key")
    return certificate


def get_certificate(url: str) -> Certificate:
    """The certificate at ``url`` (already checked), from the cache or fetched."""
    entry = _cache.get(url) or _failures.get(url)
    if entry is None:
        try:
            certificate = _load_certificate(_download(url))
        except CertificateFetchError as exc:
            expires = time.monotonic() + CERT_FAILURE_TTL
            _failures.put(url, _CacheEntry(expires, failure=exc.reason))
            raise
        entry = _CacheEntry(time.monotonic() + CERT_CACHE_TTL, certificate=certificate)
        _cache.put(url, entry)
    if entry.certificate is None:
        raise CertificateFetchError(f"{entry.failure} (remembered for a few seconds)")
    return entry.certificate


def _validity(certificate: Certificate) -> tuple[dt.datetime, dt.datetime]:
    not_before = getattr(certificate, "not_valid_before_utc", None)
    not_after = getattr(certificate, "not_valid_after_utc", None)
    if not_before is None or not_after is None:  # cryptography < 42
        not_before = certificate.not_valid_before.replace(tzinfo=dt.timezone.utc)
        not_after = certificate.not_valid_after.replace(tzinfo=dt.timezone.utc)
    return not_before, not_after


# -- verification ------------------------------------------------------------------------


class EventMessageVerifier:
    """Verifies the signature of one SNS message (a parsed JSON object).

    :meth:`verify` raises :class:`MalformedSNSMessage`,
    :class:`UntrustedSNSMessage`, :class:`CertificateFetchError` or
    :class:`VerificationUnavailable`; :meth:`is_verified` answers ``False``
    instead of raising :class:`UntrustedSNSMessage`.
    """

    def __init__(self, notification: Any) -> None:
        self._data = notification

    def verify(self) -> None:
        data = self._data
        if not isinstance(data, Mapping):
            raise MalformedSNSMessage("the message is not a JSON object")
        for key in _SIGNATURE_KEYS:
            if not isinstance(data.get(key), str):
                raise MalformedSNSMessage(f"{key!r} is missing or not a string")
        algorithm = _SIGNATURE_HASHES.get(data["SignatureVersion"])
        if algorithm is None:
            raise UntrustedSNSMessage("SignatureVersion is neither 1 nor 2")
        try:
            signature = base64.b64decode(data["Signature"], validate=True)
        except (binascii.Error, ValueError):
            raise MalformedSNSMessage("'Signature' is not valid base64") from None
        message_type = data.get("Type")
        if isinstance(message_type, str) and message_type in _SIGNED_KEYS:
            for key in _required_keys(message_type):
                if not isinstance(data.get(key), str):
                    raise MalformedSNSMessage(f"{key!r} is missing or not a string")
        to_sign = canonical_string(data)
        url = check_certificate_url(data["SigningCertURL"])
        crypto = _crypto()
        certificate = get_certificate(url)
        not_before, not_after = _validity(certificate)
        now = dt.datetime.now(dt.timezone.utc)
        if not not_before <= now <= not_after:
            raise UntrustedSNSMessage("the signing certificate is not valid now")
        try:
            cast("RSAPublicKey", certificate.public_key()).verify(
                signature,
                to_sign,
                crypto.padding.PKCS1v15(),
                getattr(crypto.hashes, algorithm)(),
            )
        except crypto.InvalidSignature:
            raise UntrustedSNSMessage("the signature does not match") from None

    def is_verified(self) -> bool:
        try:
            self.verify()
        except UntrustedSNSMessage as exc:
            data = self._data if isinstance(self._data, Mapping) else {}
            logger.warning(
                "SNS signature verification failed: %s (MessageId=%s, TopicArn=%s)",
                exc.reason,
                str(data.get("MessageId", ""))[:128],
                str(data.get("TopicArn", ""))[:300],
            )
            return False
        return True


def verify_event_message(notification: Any) -> bool:
    """Whether ``notification`` (a parsed SNS message) carries a valid SNS signature.

    Answers ``False`` for a forged or untrusted message. Raises
    :class:`MalformedSNSMessage` (a ``ValueError``) when the signature fields
    are missing or malformed, and :class:`CertificateFetchError` when the
    certificate cannot be fetched right now, so callers can tell "forged" from
    "try again later".
    """
    return EventMessageVerifier(notification).is_verified()


class BounceMessageVerifier(EventMessageVerifier):
    """Deprecated alias of :class:`EventMessageVerifier`."""

    def __init__(self, notification: Any) -> None:
        warnings.warn(
            "BounceMessageVerifier is deprecated; use EventMessageVerifier.",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(notification)


def verify_bounce_message(notification: Any) -> bool:
    """Deprecated alias of :func:`verify_event_message`."""
    warnings.warn(
        "verify_bounce_message is deprecated; use verify_event_message.",
        DeprecationWarning,
        stacklevel=2,
    )
    return EventMessageVerifier(notification).is_verified()
