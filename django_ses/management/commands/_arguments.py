"""Argument parsing shared by django_ses's management commands.

(Django does not treat modules whose name starts with ``_`` as commands.)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable

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


def whole_number(low: int = 1, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` (up to ``high``, when given)."""
    expected = f"{low} or more" if high is None else f"{low} to {high}"

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if number < low or (high is not None and number > high):
            if high is None:
                raise argparse.ArgumentTypeError(
                    f"expected a whole number of {expected}, got {value!r}"
                )
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value!r}")
        return number

    return parse
