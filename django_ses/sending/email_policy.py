"""The email package's policies, as :mod:`~django_ses.sending.mime` renders with them: the
same bytes, for less work.

Rendering a small message is mostly the email package handling headers, and
two of its costs buy nothing here:

* :data:`SMTP` (the modern policy, Django 6.0 and later) is
  :data:`email.policy.SMTP` with a header factory
  (:class:`CachingHeaderRegistry`) that makes each header class once (the
  standard registry makes a new class, with :func:`type`, for every header
  it parses) and parses a short value it has just parsed once: a message's
  headers are parsed as Django sets them, and most of them are the same in
  every message of a batch. Headers that differ in every message only in
  parts that do not change their parse (a multipart part's ``Content-Type``
  with its boundary, a list of bare addresses) are made from the parse of a
  model (:mod:`~django_ses.sending.header_models`); a ``Date`` set to a
  ``datetime`` (as Django sets it) is the parse of the date as written,
  which it shares with the messages made in the same second. Its folding of
  a header object is kept on the object (:class:`SMTPPolicy`), so a shared
  header is folded once.
* :data:`COMPAT32` (the legacy policy, which Django 5.2's messages carry) is
  :data:`email.policy.compat32` whose folding takes a short cut
  (:class:`Compat32`): a header that fits on one line as it is, printable
  ASCII without leading or trailing white space, is written ``name: value``,
  which is what the legacy folding algorithm gives it after splitting it into
  words and joining them again. Any other value is folded by the email
  package.

Both write exactly what the policies they stand in for write (the tests
compare them on edge cases, on thousands of random values and on whole
messages).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.headerregistry
import email.policy
import email.utils
import functools
import re
import weakref
from typing import Any

from django_ses.sending import header_models

__all__ = [
    "COMPAT32",
    "PARSED_CACHE_SIZE",
    "PARSED_CACHE_VALUE",
    "SMTP",
    "CachingHeaderRegistry",
    "Compat32",
    "SMTPPolicy",
]


class CachingHeaderRegistry(email.headerregistry.HeaderRegistry):
    """A :class:`~email.headerregistry.HeaderRegistry` that makes each header class once,
    and parses a short header value it has just parsed once.

    The classes it gives are those the standard registry makes (a header
    class of the name, mixed with the base class), so the headers behave the
    same. Header objects are immutable (a message replaces a header, it never
    changes one), so the messages of a batch may share those they have in
    common (``MIME-Version: 1.0``, their parts' ``Content-Type``, the
    sender): the last :data:`PARSED_CACHE_SIZE` values of at most
    :data:`PARSED_CACHE_VALUE` characters are kept. Both caches are safe
    to share between threads: two threads that make the same entry at once
    both make a right one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._made: dict[str, type] = {}
        self._parsed = functools.lru_cache(maxsize=PARSED_CACHE_SIZE)(super().__call__)

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = super().__getitem__(key)
            if getattr(made, "value_parser", None) is header_models.STANDARD_ADDRESS_PARSER:
                # An address header: lists of bare addresses are made from models.
                parse = staticmethod(header_models.parse_address_list)
                made = type(made.__name__, made.__bases__, {"value_parser": parse})
            self._made[key] = made
        return made

    def __call__(self, name: str, value: Any) -> Any:
        if type(name) is str and type(value) is str and len(value) <= PARSED_CACHE_VALUE:
            if value.startswith("multipart/"):
                made = self._with_our_boundary(name, value)
                if made is not None:
                    return made
            return self._parsed(name, value)
        if type(name) is str and type(value) is dt.datetime:
            made = self._dated(name, value)
            if made is not None:
                return made
        return super().__call__(name, value)

    def _dated(self, name: str, value: dt.datetime) -> Any:
        """A date header set to a ``datetime`` (Django sets ``Date`` so), made from the
        parse of the date as written (``None``: another header)."""
        written = email.utils.format_datetime(value)
        return header_models.with_datetime(self._parsed(name, written), value, written)

    def _with_our_boundary(self, name: str, value: str) -> Any:
        """``Content-Type: multipart/…; boundary="…"`` with a boundary of
        :func:`~django_ses.sending.header_models.new_boundary`'s form, made from the parse
        of its model (``None``: any other)."""
        found = header_models.BOUNDARY_CONTENT_TYPE.fullmatch(value)
        if found is None or name.lower() != "content-type":
            return None
        model = self._parsed(name, f'{found[1]}{header_models.MODEL_BOUNDARY}"')
        return header_models.with_boundary(model, found[2])

    def map_to_type(self, name: str, cls: Any) -> None:
        super().map_to_type(name, cls)
        self._made.pop(name.lower(), None)
        self._parsed.cache_clear()


#: How many parsed header values :class:`CachingHeaderRegistry` keeps.
PARSED_CACHE_SIZE = 256
#: The longest header value (in characters) :class:`CachingHeaderRegistry` keeps parsed.
PARSED_CACHE_VALUE = 200


#: The attribute a header object's folding is kept in (:class:`SMTPPolicy`).
_FOLDING = f"{header_models.OURS}folding"


class SMTPPolicy(email.policy.EmailPolicy):
    """The modern policy, which keeps each header object's folding on the object.

    A header object is immutable and its folding depends on it and the
    policy's settings alone, so a header the messages of a batch share
    (:class:`CachingHeaderRegistry`) is folded once for each settings (the
    generator clones the policy for every part, so they are compared, not
    the policy objects). A header made by
    :func:`~django_ses.sending.header_models.with_boundary` is folded as its
    model, with the boundary replaced.
    """

    def _fold(self, name: str, value: Any, refold_binary: bool = False) -> str:
        if not hasattr(value, "name"):
            folded: str = super()._fold(name, value, refold_binary)  # type: ignore[misc]
            return folded
        model = getattr(value, header_models.MODEL_OF, None)
        if model is not None:
            folded = self._fold(name, model[0], refold_binary)
            if folded.count(header_models.MODEL_BOUNDARY) == 1:  # not split over lines
                return folded.replace(header_models.MODEL_BOUNDARY, model[1])
        settings = self._settings()
        kept = getattr(value, _FOLDING, None)
        if kept is not None and kept[0] == settings:
            return str(kept[1])
        folded = value.fold(policy=self)
        # A header-like object of another kind may take no attribute: nothing is kept.
        with contextlib.suppress(AttributeError):
            setattr(value, _FOLDING, (settings, folded))
        return folded

    def _settings(self) -> tuple[Any, ...]:
        """What this policy was made with. A policy cannot be changed, but a clone
        copies what an instance holds, so this is kept beside the policy, not on it."""
        settings = _SETTINGS.get(self)
        if settings is None:
            settings = (type(self), *sorted((k, _comparable(v)) for k, v in vars(self).items()))
            _SETTINGS[self] = settings
        return settings


#: Each live policy's settings (:meth:`SMTPPolicy._settings`).
_SETTINGS: weakref.WeakKeyDictionary[SMTPPolicy, tuple[Any, ...]] = weakref.WeakKeyDictionary()


def _comparable(value: Any) -> Any:
    """A policy setting as compared: a plain value itself, an object by identity."""
    return value if isinstance(value, (str, int, float, type(None))) else ("id", id(value))


#: :data:`email.policy.SMTP` (CRLF line endings), with header classes made once,
#: short repeated headers parsed once and their foldings kept.
SMTP = SMTPPolicy(linesep="\r\n", header_factory=CachingHeaderRegistry())

#: A value the legacy folding writes as it is when it fits: printable ASCII, no white
#: space at either end (the folding drops a trailing space), no line break.
_PLAIN_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
#: What the legacy folding takes a line length of 0 (or none) for.
_NO_WRAP = 1_000_000


class Compat32(email.policy.Compat32):
    """The legacy policy, with a short cut for headers that fit on one line as they are."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        fits = type(value) is str and len(name) + 2 + len(value) <= (
            self.max_line_length or _NO_WRAP
        )
        if fits and (value == "" or _PLAIN_VALUE.fullmatch(value)):
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


#: :data:`email.policy.compat32`, with the short cut of :class:`Compat32`.
COMPAT32 = Compat32()
