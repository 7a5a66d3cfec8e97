"""Signed, expiring unsubscribe tokens: one per recipient (and list), with Django's signing.

:func:`make_token` signs the recipient's address and the list name with
``SECRET_KEY`` and ``AWS_SES_UNSUBSCRIBE_SALT``, with the time it was made;
:func:`read_token` checks the signature and the age
(``AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS``) and gives the :class:`UnsubscribeToken`
back. A token made with a key of ``SECRET_KEY_FALLBACKS`` is still read, so
rotating the secret key does not break the links of mail already sent.

Tokens are URL-safe (letters, digits, ``-``, ``_`` and ``:``): they go in the
path of the unsubscribe URL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing

from django_ses.conf import get_setting

__all__ = [
    "ExpiredToken",
    "InvalidToken",
    "UnsubscribeToken",
    "make_token",
    "read_token",
]


class InvalidToken(Exception):
    """The token was not made by this site (tampered with, truncated, another key or salt)."""


class ExpiredToken(InvalidToken):
    """The token is genuine but older than ``AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS``."""


@dataclass(frozen=True)
class UnsubscribeToken:
    """What a genuine token says: who unsubscribes, from which list (``""``: all mail)."""

    email: str
    list_name: str = ""


def _salt() -> str:
    return str(get_setting("AWS_SES_UNSUBSCRIBE_SALT"))


def _max_age() -> dt.timedelta | None:
    days = get_setting("AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS")
    return None if days is None else dt.timedelta(days=days)


def make_token(email: str, list_name: str = "") -> str:
    """The token of ``email`` (a bare address) unsubscribing from ``list_name``."""
    data: dict[str, Any] = {"e": email}
    if list_name:
        data["l"] = list_name
    return signing.dumps(data, salt=_salt(), compress=True)


def read_token(token: str) -> UnsubscribeToken:
    """The :class:`UnsubscribeToken` of ``token``.

    Raises :class:`ExpiredToken` for a genuine token that is too old and
    :class:`InvalidToken` for anything else that is not a token of this site.
    """
    try:
        data = signing.loads(token, salt=_salt(), max_age=_max_age())
    except signing.SignatureExpired as error:
        raise ExpiredToken(str(error)) from error
    except (signing.BadSignature, ValueError) as error:
        raise InvalidToken(str(error)) from error
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) or not data["e"]:
        raise InvalidToken("The token carries no address.")
    list_name = data.get("l", "")
    if not isinstance(list_name, str):
        raise InvalidToken("The token's list name is not a string.")
    return UnsubscribeToken(email=data["e"], list_name=list_name)
