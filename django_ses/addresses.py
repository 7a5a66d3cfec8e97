"""Checking addresses that people type (admin forms, management commands)."""

from __future__ import annotations

from email.utils import getaddresses

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from django_ses.blacklist import normalize_address
from django_ses.exceptions import InvalidAddress

# InvalidAddress is re-exported: the admin and the commands catch it from here.
__all__ = ["InvalidAddress", "parse_single_address"]


def parse_single_address(raw: str) -> str:
    """The normalised address in ``raw``, which must hold exactly one valid address.

    ``"Jane <Jane@Example.COM>"`` gives ``"jane@example.com"``; an empty string,
    a list of addresses or something that is not an address raises
    :class:`InvalidAddress`.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidAddress("An email address is required.")
    if len(getaddresses([text])) != 1:
        raise InvalidAddress(f"{raw!r} holds more than one address: give one at a time.")
    address = normalize_address(text)
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidAddress(
            f"{raw!r} is not a valid email address (expected something like jane@example.com)."
        ) from None
    return address
