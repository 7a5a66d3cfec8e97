"""SNS signing certificates: which URLs are trusted, and a bounded, cached fetch.

The rule, written once here and used by the verifier and the system checks:
a certificate URL is ``https://sns.<region>.amazonaws.com[.cn]/<name>.pem``
(no port, user info, query or fragment). It is checked before any network
call. ``AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS`` (and its older names, aliases in
:data:`django_ses.conf.SETTINGS`) can only narrow the rule, never widen it.

Certificates are fetched with ``requests`` (short timeout, no redirects, a
capped body), must hold exactly one PEM certificate with an RSA key, and are
cached per process with a time-to-live in a bounded cache, registered in
:mod:`django_ses.caches`. A failed fetch is remembered only for a few seconds
and raises :class:`~django_ses.exceptions.CertificateFetchError`, so the webhook
answers 5xx and SNS retries. One fetch per URL runs at a time (a bounded
:class:`~django_ses.caches.LockTable`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django_ses import caches
from django_ses.conf import SETTINGS, get_setting
from django_ses.exceptions import CertificateFetchError, UntrustedSNSMessage
from django_ses.sns.extras import crypto, requests_module

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

__all__ = [
    "CERT_CACHE_MAX_ENTRIES",
    "CERT_CACHE_TTL",
    "CERT_DOMAIN_SETTINGS",
    "CERT_FAILURE_TTL",
    "CERT_FETCH_TIMEOUT",
    "CERT_HOST_RULE",
    "CERT_MAX_BYTES",
    "SigningKey",
    "check_certificate_url",
    "clear_cert_cache",
    "get_certificate",
    "get_signing_key",
    "is_sns_certificate_host",
    "trusted_cert_domains",
    "validity",
]

CERT_FETCH_TIMEOUT = (3.05, 5.0)  # connect, read (seconds)
CERT_MAX_BYTES = 10 * 1024  # one PEM certificate; SNS's are under 2 KB
CERT_CACHE_TTL = 6 * 60 * 60.0
CERT_FAILURE_TTL = 10.0
CERT_CACHE_MAX_ENTRIES = 32

#: The certificate hosts SNS uses, as people write them (messages and system checks).
CERT_HOST_RULE = "sns.<region>.amazonaws.com[.cn]"
#: The setting that narrows the rule, then its older names.
CERT_DOMAIN_SETTINGS = SETTINGS["AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS"].names

#: The host of an SNS endpoint, which serves its signing certificates too.
SNS_HOST_PATTERN = r"sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?"
#: An SNS endpoint host, any case (``django_ses.utils.SES_REGEX_SNS_ENDPOINT_HOST``).
SNS_ENDPOINT_HOST = re.compile(rf"(?i)^{SNS_HOST_PATTERN}\Z")
#: An SNS signing-certificate URL, any case (``django_ses.utils.SES_REGEX_CERT_URL``).
CERT_URL = re.compile(
    rf"(?i)^https://{SNS_HOST_PATTERN}/SimpleNotificationService-[a-z0-9]+\.pem\Z"
)

_CERT_HOST = re.compile(rf"^{SNS_HOST_PATTERN}\Z")
_WHITESPACE = re.compile(r"\s")


# -- the certificate URL ---------------------------------------------------------------


def is_sns_certificate_host(host: str) -> bool:
    """Whether ``host`` is one of SNS's certificate hosts (:data:`CERT_HOST_RULE`)."""
    return _CERT_HOST.match(host) is not None


def trusted_cert_domains() -> tuple[str, ...] | None:
    """The configured narrowing of certificate hosts, or ``None`` when unset.

    ``AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS``, or one of its older names
    (:data:`CERT_DOMAIN_SETTINGS`). A string is one domain.
    """
    value = get_setting("AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS")
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


#: URLs that passed :func:`check_certificate_url`, with its answer (SNS uses a handful).
_checked_urls: dict[str, str] = {}
_CHECKED_URLS_MAX = 2 * CERT_CACHE_MAX_ENTRIES

caches.register_cache("sns_certificate_urls", _checked_urls.clear, settings=CERT_DOMAIN_SETTINGS)


def check_certificate_url(url: object) -> str:
    """Return ``url`` when it is an SNS signing-certificate URL, else raise.

    The rule: ``https``, host ``sns.<region>.amazonaws.com`` or
    ``sns.<region>.amazonaws.com.cn``, no port, user info, query or fragment,
    and a path ending in ``.pem``. When trusted domains are configured, the
    host must also be in one of them. The URL is returned with its host
    lower-cased (the one URL fetched and cached). Raises
    :class:`UntrustedSNSMessage`.

    A URL that passed is remembered (a few dozen at most, forgotten when the
    trusted domains change), so the next message naming it is not parsed again.
    """
    if isinstance(url, str):
        checked = _checked_urls.get(url)
        if checked is not None:
            return checked
    checked = _check_certificate_url(url)
    if len(_checked_urls) >= _CHECKED_URLS_MAX:
        _checked_urls.clear()
    _checked_urls[str(url)] = checked
    return checked


def _check_certificate_url(url: object) -> str:
    """The rule of :func:`check_certificate_url`, checked without remembering."""
    if not isinstance(url, str) or not url.isprintable() or _WHITESPACE.search(url):
        raise UntrustedSNSMessage("SigningCertURL is not a URL")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https":
        raise UntrustedSNSMessage("SigningCertURL is not https")
    if "@" in parts.netloc or ":" in parts.netloc:
        raise UntrustedSNSMessage("SigningCertURL has user info or a port")
    host = parts.netloc.lower()  # DNS names are case-insensitive; nothing else is folded
    if not is_sns_certificate_host(host):
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
    if domains is not None and not _host_in_domains(host, domains):
        raise UntrustedSNSMessage("SigningCertURL host is not in the trusted domains")
    return urllib.parse.urlunsplit(("https", host, parts.path, "", ""))


# -- the cache -------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """What verifying a signature needs from a certificate, worked out once per certificate.

    The RSA public key (``Certificate.public_key()`` builds a new object on
    every call), the validity window, and the ``cryptography`` objects of the
    check: PKCS#1 v1.5 padding, the hash of each ``SignatureVersion``, and
    ``InvalidSignature``.
    """

    public_key: Any
    not_before: dt.datetime
    not_after: dt.datetime
    padding: Any
    hashes: dict[str, Any]
    invalid_signature: type[Exception]

    @classmethod
    def of(cls, certificate: Certificate) -> SigningKey:
        parts = crypto()
        not_before, not_after = validity(certificate)
        return cls(
            public_key=certificate.public_key(),
            not_before=not_before,
            not_after=not_after,
            padding=parts.padding.PKCS1v15(),
            hashes={"SHA1": parts.hashes.SHA1(), "SHA256": parts.hashes.SHA256()},
            invalid_signature=parts.InvalidSignature,
        )


@dataclass(frozen=True)
class _CacheEntry:
    expires: float
    certificate: Certificate | None = None
    failure: str = ""
    #: ``SigningKey.of(certificate)``, made on first use.
    key: SigningKey | None = field(default=None, compare=False)

    def signing_key(self) -> SigningKey:
        key = self.key
        if key is None:
            assert self.certificate is not None
            key = SigningKey.of(self.certificate)
            object.__setattr__(self, "key", key)  # a cache of the frozen entry's own value
        return key


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
_fetch_locks = caches.LockTable(2 * CERT_CACHE_MAX_ENTRIES)


def clear_cert_cache() -> None:
    """Forget every cached certificate and remembered fetch failure."""
    _cache.clear()
    _failures.clear()
    _fetch_locks.clear()


caches.register_cache("sns_certificates", clear_cert_cache)


# -- fetching --------------------------------------------------------------------------


def _download(url: str) -> bytes:
    requests = requests_module()
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


#: The whole body: one PEM certificate, nothing around it.
_ONE_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n(?:[A-Za-z0-9+/=]{1,76}\r?\n)+-----END CERTIFICATE-----"
)


def _load_certificate(pem: bytes) -> Certificate:
    parts = crypto()
    if _ONE_PEM_CERTIFICATE.fullmatch(pem.strip()) is None:
        raise CertificateFetchError("the response is not exactly one PEM certificate")
    try:
        certificates = parts.x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise CertificateFetchError("the response is not a PEM certificate") from None
    if len(certificates) != 1:
        raise CertificateFetchError("the response is not exactly one PEM certificate")
    certificate: Certificate = certificates[0]
    if not isinstance(certificate.public_key(), parts.rsa.RSAPublicKey):
        raise CertificateFetchError("the certificate does not hold an RSA key")
    return certificate


def _cached(url: str) -> _CacheEntry | None:
    return _cache.get(url) or _failures.get(url)


def _fetch(url: str) -> _CacheEntry:
    """Fetch ``url`` into the cache (or remember the failure briefly); raise on failure."""
    crypto()  # without cryptography nothing can be verified: no fetch either
    try:
        certificate = _load_certificate(_download(url))
    except CertificateFetchError as exc:
        _failures.put(url, _CacheEntry(time.monotonic() + CERT_FAILURE_TTL, failure=exc.reason))
        raise
    entry = _CacheEntry(time.monotonic() + CERT_CACHE_TTL, certificate=certificate)
    _cache.put(url, entry)
    return entry


def _entry(url: str) -> _CacheEntry:
    entry = _cached(url)
    if entry is None:
        with _fetch_locks.get(url):
            entry = _cached(url) or _fetch(url)
    if entry.certificate is None:
        raise CertificateFetchError(f"{entry.failure} (remembered for a few seconds)")
    return entry


def get_certificate(url: str) -> Certificate:
    """The certificate at ``url`` (already checked), from the cache or fetched."""
    certificate = _entry(url).certificate
    assert certificate is not None
    return certificate


def get_signing_key(url: str) -> SigningKey:
    """The :class:`SigningKey` of the certificate at ``url`` (already checked)."""
    return _entry(url).signing_key()


def validity(certificate: Certificate) -> tuple[dt.datetime, dt.datetime]:
    """When ``certificate`` starts and stops being valid (aware UTC datetimes)."""
    not_before = getattr(certificate, "not_valid_before_utc", None)
    not_after = getattr(certificate, "not_valid_after_utc", None)
    if not_before is None or not_after is None:  # cryptography < 42
        not_before = certificate.not_valid_before.replace(tzinfo=dt.timezone.utc)
        not_after = certificate.not_valid_after.replace(tzinfo=dt.timezone.utc)
    return not_before, not_after
