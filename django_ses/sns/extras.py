"""The optional dependencies of SNS verification: ``requests`` and ``cryptography``.

They come with the ``django-ses[events]`` extra and are imported only when a
message is verified; a missing one raises
:class:`~django_ses.exceptions.VerificationUnavailable`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django_ses.exceptions import VerificationUnavailable

__all__ = ["crypto", "requests_module"]


def crypto() -> Any:
    """The parts of ``cryptography`` the verifier uses."""
    try:
        from cryptography import x509  # optional: django-ses[events]
        from cryptography.exceptions import InvalidSignature  # optional: django-ses[events]
        from cryptography.hazmat.primitives import hashes  # optional: django-ses[events]
        from cryptography.hazmat.primitives.asymmetric import (  # optional: django-ses[events]
            padding,
            rsa,
        )
    except ImportError:
        raise VerificationUnavailable(
            "the 'cryptography' package is missing: install django-ses[events]"
        ) from None

    return SimpleNamespace(
        x509=x509, InvalidSignature=InvalidSignature, hashes=hashes, padding=padding, rsa=rsa
    )


def requests_module() -> Any:
    """``requests``, which fetches the signing certificates."""
    try:
        import requests  # optional: django-ses[events]
    except ImportError:
        raise VerificationUnavailable(
            "the 'requests' package is missing: install django-ses[events]"
        ) from None
    return requests
