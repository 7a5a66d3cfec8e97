"""How the send log names a recipient: the bare address, or a keyed hash of it.

With ``AWS_SES_SEND_LOG_HASH_RECIPIENTS = True`` no address is stored: each is
replaced by an HMAC-SHA256 of the lower-cased address, keyed with the project's
``SECRET_KEY`` (:func:`django.utils.crypto.salted_hmac`). The same address
always gives the same key, so events still find their recipient and the admin's
search hashes the address searched for. Rotating ``SECRET_KEY`` makes the
hashes of older rows unreachable by search.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parseaddr
from typing import Any

from django.utils.crypto import salted_hmac

from django_ses.send_log.config import hashing

__all__ = ["normalize", "recipient_key", "recipient_keys", "redact"]

_SALT = "django_ses.send_log.recipient"


def normalize(address: str) -> str:
    """The bare address, lower-cased (``"Alice <A@x.org>"`` → ``"a@x.org"``)."""
    bare = parseaddr(address)[1] or address
    return bare.strip().lower()


def _hash(address: str) -> str:
    return salted_hmac(_SALT, normalize(address), algorithm="sha256").hexdigest()


def recipient_key(address: str, *, hashed: bool | None = None) -> str:
    """What the log stores for ``address``."""
    if hashed is None:
        hashed = hashing()
    return _hash(address) if hashed else normalize(address)[:255]


def recipient_keys(addresses: Iterable[str], *, hashed: bool | None = None) -> list[str]:
    """The keys of ``addresses``, in order, without repeats."""
    if hashed is None:
        hashed = hashing()
    return list(dict.fromkeys(recipient_key(a, hashed=hashed) for a in addresses if a))


def redact(value: Any) -> Any:
    """``value`` (parsed JSON) with every string that holds an address replaced by its hash."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str) and "@" in value:
        return ", ".join(_hash(part) if "@" in part else part for part in value.split(","))
    return value
