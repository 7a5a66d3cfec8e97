"""django-ses 4.8.2's module-level helpers, kept for code that migrated from it.

They are importable from ``django_ses`` as before (``from django_ses import
dkim_sign``); new code has better tools, named in each docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django_ses.conf import get_setting
from django_ses.sending import dkim as dkim_signing

__all__ = ["cast_nonzero_to_float", "dkim_sign"]


def cast_nonzero_to_float(value: Any) -> float | None:
    """``float(value)``, or ``None`` for zero, ``None`` and other false values (as django-ses)."""
    if not value:
        return None
    return float(value)


def dkim_sign(
    message: bytes,
    dkim_domain: str | None = None,
    dkim_key: str | bytes | None = None,
    dkim_selector: str | None = None,
    dkim_headers: Sequence[str | bytes] | str | bytes | None = None,
) -> bytes:
    """Return ``message`` (raw bytes) with a DKIM signature, when a domain and a key are given.

    As django-ses's: without ``dkim_domain`` and ``dkim_key``, or without
    dkimpy installed, the message comes back unchanged. Unlike django-ses's, a
    malformed key raises :class:`~django_ses.exceptions.DKIMKeyError` instead of
    an error from inside dkimpy. The backend signs for you with the ``DKIM_*``
    settings; this function is for code that signs by hand.
    """
    if not (dkim_domain and dkim_key) or not dkim_signing.dkimpy_available():
        return message
    return dkim_signing.sign_message(
        message,
        domain=dkim_domain,
        private_key=dkim_key,
        selector=dkim_selector or get_setting("DKIM_SELECTOR"),
        headers=dkim_headers,
    )
