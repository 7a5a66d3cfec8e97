"""Argument parsing shared by django_ses's management commands.

(Django does not treat modules whose name starts with ``_`` as commands.)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import CommandError

from django_ses.addresses import InvalidAddress, parse_single_address


def address_arguments(raw: Iterable[str]) -> list[str]:
    """The normalised addresses given on the command line, in order, without duplicates.

    An invalid one raises :class:`CommandError` saying what is wrong with it.
    """
    addresses = []
    for item in raw:
        try:
            addresses.append(parse_single_address(item))
        except InvalidAddress as error:
            raise CommandError(str(error)) from None
    return list(dict.fromkeys(addresses))
