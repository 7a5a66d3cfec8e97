"""SNS signature verification, as in Amazon's "Verifying the signatures of Amazon SNS messages".

* the string to sign is ``key\\nvalue\\n`` for a fixed list of keys in a fixed
  order, which depends on the message type (``Subject`` only when present);
* ``SignatureVersion`` ``"1"`` is RSA with SHA1, ``"2"`` RSA with SHA256; no
  other value is accepted;
* the signing certificate comes from :mod:`django_ses.sns.certificates`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django_ses.deprecation import RemovedInDjangoSES20Warning
from django_ses.exceptions import MalformedSNSMessage, UntrustedSNSMessage
from django_ses.sns.certificates import check_certificate_url, get_signing_key
from django_ses.sns.envelope import OPTIONAL_SIGNED_KEYS, SIGNED_KEYS, required_keys

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

logger = logging.getLogger(__name__)

__all__ = [
    "BounceMessageVerifier",
    "EventMessageVerifier",
    "canonical_string",
    "verify_bounce_message",
    "verify_event_message",
]

# SignatureVersion -> hash algorithm name (cryptography.hazmat.primitives.hashes).
_SIGNATURE_HASHES = {"1": "SHA1", "2": "SHA256"}
_SIGNATURE_KEYS = ("SignatureVersion", "Signature", "SigningCertURL")


def canonical_string(notification: Mapping[str, Any]) -> bytes:
    """SNS's string to sign for ``notification``, as UTF-8 bytes.

    Raises :class:`UntrustedSNSMessage` for a message type SNS does not sign.
    """
    message_type = notification.get("Type")
    keys = SIGNED_KEYS.get(message_type) if isinstance(message_type, str) else None
    if keys is None:
        raise UntrustedSNSMessage("the message Type is not one that SNS signs")
    parts: list[str] = []
    for key in keys:
        value = notification.get(key)
        if value is None and key in OPTIONAL_SIGNED_KEYS:
            continue
        parts.append(f"{key}\n{value}\n")
    return "".join(parts).encode("utf-8")


def _signature_fields(data: Any) -> tuple[str, bytes]:
    """The hash algorithm and the decoded signature of a message; raise when unusable."""
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
    if isinstance(message_type, str) and message_type in SIGNED_KEYS:
        for key in required_keys(message_type):
            if not isinstance(data.get(key), str):
                raise MalformedSNSMessage(f"{key!r} is missing or not a string")
    return algorithm, signature


class EventMessageVerifier:
    """Verifies the signature of one SNS message (a parsed JSON object).

    :meth:`verify` raises :class:`~django_ses.exceptions.MalformedSNSMessage`,
    :class:`~django_ses.exceptions.UntrustedSNSMessage`,
    :class:`~django_ses.exceptions.CertificateFetchError` or
    :class:`~django_ses.exceptions.VerificationUnavailable`; :meth:`is_verified`
    answers ``False`` instead of raising ``UntrustedSNSMessage``.
    """

    def __init__(self, notification: Any) -> None:
        self._data = notification

    def verify(self) -> None:
        data = self._data
        algorithm, signature = _signature_fields(data)
        to_sign = canonical_string(data)
        key = get_signing_key(check_certificate_url(data["SigningCertURL"]))
        now = dt.datetime.now(dt.timezone.utc)
        if not key.not_before <= now <= key.not_after:
            raise UntrustedSNSMessage("the signing certificate is not valid now")
        try:
            cast("RSAPublicKey", key.public_key).verify(
                signature, to_sign, key.padding, key.hashes[algorithm]
            )
        except key.invalid_signature:
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
    :class:`~django_ses.exceptions.MalformedSNSMessage` (a ``ValueError``) when
    the signature fields are missing or malformed, and
    :class:`~django_ses.exceptions.CertificateFetchError` when the certificate
    cannot be fetched right now, so callers can tell "forged" from "try again later".
    """
    return EventMessageVerifier(notification).is_verified()


class BounceMessageVerifier(EventMessageVerifier):
    """Deprecated alias of :class:`EventMessageVerifier`."""

    def __init__(self, notification: Any) -> None:
        warnings.warn(
            "BounceMessageVerifier is deprecated; use EventMessageVerifier.",
            RemovedInDjangoSES20Warning,
            stacklevel=2,
        )
        super().__init__(notification)


def verify_bounce_message(notification: Any) -> bool:
    """Deprecated alias of :func:`verify_event_message`."""
    warnings.warn(
        "verify_bounce_message is deprecated; use verify_event_message.",
        RemovedInDjangoSES20Warning,
        stacklevel=2,
    )
    return EventMessageVerifier(notification).is_verified()
