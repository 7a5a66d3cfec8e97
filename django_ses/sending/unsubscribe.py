"""Per-recipient one-click unsubscribe headers in a message being built. Pure functions.

A message asks for them with ``message.ses_unsubscribe = True`` (unsubscribe
from all mail) or ``= "newsletter"`` (from that list; the name travels in the
signed token to :data:`~django_ses.signals.unsubscribe_received`). Each
recipient gets a ``List-Unsubscribe`` URL of their own
(:func:`~django_ses.unsubscribe.links.unsubscribe_url`), so:

* a **templated** message gets the headers as each destination's own headers
  (:func:`personalise_template`): one ``SendBulkEmail`` entry per destination,
  with ``ReplacementHeaders``;
* a **raw** message is rendered once and sent with one call per recipient, the
  recipient's header lines put in front of the shared MIME
  (:func:`raw_prefixes`); with manual DKIM each recipient's copy is signed,
  the two headers among the signed ones (RFC 8058 section 4).

Cc and Bcc recipients of a raw message get their own links too (the To and Cc
headers are the same in every copy); a templated message cannot have Cc or Bcc.
Everything wrong raises :class:`~django_ses.exceptions.InvalidMessageError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError
from django_ses.sending import dkim
from django_ses.sending.mime import Recipient
from django_ses.sending.template import Personalisation, TemplateSpec
from django_ses.unsubscribe.headers import (
    UNSUBSCRIBE_HEADER_NAMES,
    header_block,
    one_click_headers,
)
from django_ses.unsubscribe.links import unsubscribe_url

if TYPE_CHECKING:
    from django_ses.sending.options import SendOptions

__all__ = [
    "ATTRIBUTE",
    "HeaderPairs",
    "dkim_signer",
    "personalise_template",
    "raw_prefixes",
    "recipient_headers",
    "refuse_copies",
    "unsubscribe_list",
]

#: The message attribute.
ATTRIBUTE = "ses_unsubscribe"

HeaderPairs = tuple[tuple[str, str], ...]
#: Signs a raw message: returns it with a DKIM-Signature header in front.
Signer = Callable[[bytes], bytes]


def unsubscribe_list(message: EmailMessage) -> str | None:
    """The list the message's recipients may unsubscribe from (``""``: all mail), or ``None``."""
    value = getattr(message, ATTRIBUTE, None)
    if value is None or value is False:
        return None
    if value is True:
        return ""
    if isinstance(value, str) and value.strip() and value.isprintable():
        return value.strip()
    raise InvalidMessageError(
        f"{ATTRIBUTE} must be True (unsubscribe from all mail) or the name of a list, "
        f"not {value!r}."
    )


def _refuse_own_headers(message: EmailMessage) -> None:
    names = [str(name) for name in (message.extra_headers or {})]
    for per_address in (getattr(message, "ses_recipient_headers", None) or {}).values():
        if isinstance(per_address, Mapping):
            names.extend(str(name) for name in per_address)
    taken = sorted({name for name in names if name.lower() in UNSUBSCRIBE_HEADER_NAMES})
    if taken:
        raise InvalidMessageError(
            f"The message sets {', '.join(taken)} itself and asks for per-recipient unsubscribe "
            f"headers ({ATTRIBUTE}): keep one of the two."
        )


def recipient_headers(
    message: EmailMessage, recipients: Sequence[Recipient], list_name: str
) -> dict[str, HeaderPairs]:
    """Each destination's (lower-cased) two unsubscribe header fields."""
    _refuse_own_headers(message)
    return {
        r.destination.lower(): one_click_headers(unsubscribe_url(r.destination.lower(), list_name))
        for r in recipients
    }


def personalise_template(spec: TemplateSpec, headers: Mapping[str, HeaderPairs]) -> TemplateSpec:
    """``spec`` with each destination's unsubscribe headers among its own headers."""
    personalisations = dict(spec.personalisations)
    for destination, pairs in headers.items():
        own = personalisations.get(destination, Personalisation())
        personalisations[destination] = dataclasses.replace(own, headers=(*own.headers, *pairs))
    return dataclasses.replace(spec, personalisations=personalisations)


def refuse_copies(message: EmailMessage) -> None:
    """A templated message with per-recipient headers goes to each To address alone."""
    if message.cc or message.bcc:
        raise InvalidMessageError(
            f"A templated message with per-recipient unsubscribe headers ({ATTRIBUTE}) sends "
            "one message to each To address: it cannot have Cc or Bcc recipients."
        )


def raw_prefixes(
    raw: bytes, headers: Mapping[str, HeaderPairs], *, sign: Signer | None
) -> dict[str, bytes]:
    """What goes in front of ``raw`` for each destination: its header lines, signed if ``sign``.

    ``raw`` itself is never signed: each copy is (``DKIM-Signature`` first).
    """
    prefixes: dict[str, bytes] = {}
    for destination, pairs in headers.items():
        block = header_block(pairs)
        if sign is not None:
            signed = sign(block + raw)
            block = signed[: len(signed) - len(raw)]
        prefixes[destination] = block
    return prefixes


def dkim_signer(options: SendOptions) -> Signer | None:
    """Manual DKIM signing of ``options``, the unsubscribe headers signed too."""
    if not (options.dkim_domain and options.dkim_key):
        return None
    signed = [name.decode("ascii") for name in dkim.normalize_signed_headers(options.dkim_headers)]
    names = tuple(dict.fromkeys([*signed, *UNSUBSCRIBE_HEADER_NAMES]))

    domain, key = options.dkim_domain, options.dkim_key

    def sign(raw: bytes) -> bytes:
        return dkim.sign_message(
            raw,
            domain=domain,
            private_key=key,
            selector=options.dkim_selector,
            headers=names,
        )

    return sign
