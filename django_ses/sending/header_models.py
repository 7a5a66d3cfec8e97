"""Header objects made from the parse of a model: what the email package's header factory
makes, without parsing.

The email package's modern API (Django 6.0 and later) parses every header as it
is set. A few headers differ from message to message only in parts that do not
change how they parse, so the header factory of
:mod:`~django_ses.sending.email_policy` parses a *model* once (the same header
with those parts as placeholders of the same kind) and makes each header from
the model's parse tree with the parts put in:

* :func:`with_boundary`: a multipart part's ``Content-Type`` whose only
  parameter is a boundary of :func:`new_boundary`'s form (the one
  :mod:`~django_ses.sending.mime` gives every part), from the parse of the same
  header with :data:`MODEL_BOUNDARY`;
* :func:`with_datetime`: a date header set to a ``datetime`` (as Django sets
  ``Date``), from the parse of the date as written, which the messages made
  in the same second share;
* :func:`parse_address_list`: the value parser of the address headers (``To``,
  ``Cc``, ``From``…). A list of bare addresses (``local@domain`` of dot-atoms,
  separated by ``", "``: every recipient list Django writes from plain
  addresses) is made from the parse of one model address of the same shape
  (``a.a@a.a``) per address; any other value is parsed by the email package.

A parse tree is never changed once made, so the nodes the model's and the new
tree have in common are shared, and the tests hold every header made so to the
one the email package parses, node for node, and to its folding.
"""

from __future__ import annotations

import datetime as dt
import email._header_value_parser as parser
import email.headerregistry
import functools
import re
import secrets
from collections.abc import Iterator
from typing import Any

__all__ = [
    "BOUNDARY_CONTENT_TYPE",
    "MODEL_BOUNDARY",
    "MODEL_OF",
    "OURS",
    "STANDARD_ADDRESS_PARSER",
    "new_boundary",
    "parse_address_list",
    "with_boundary",
    "with_datetime",
]

#: The prefix of what this package keeps on a header object (never copied to another).
OURS = "_django_ses_"
#: Where a header made by :func:`with_boundary` keeps its model and its boundary.
MODEL_OF = "_django_ses_model"
#: Where a model keeps (the id of) the terminal of its boundary.
_BOUNDARY_TERMINAL = "_django_ses_boundary_terminal"


def new_boundary() -> str:
    """A multipart boundary: the email package's form and length, with 19 random hex digits.

    76 random bits (:mod:`secrets`): a boundary chosen after the content was
    written cannot be in it but by a chance of 2**-76. Every boundary is as
    long as the next, so two renderings of a message agree on its size.
    """
    return f"{'=' * 15}{secrets.token_hex(10)[:19]}=="


#: The boundary a ``Content-Type`` with one of :func:`new_boundary` is parsed with, once.
MODEL_BOUNDARY = f"{'=' * 15}{'0' * 19}=="
#: A multipart ``Content-Type`` whose only parameter is a boundary of :func:`new_boundary`:
#: group 1 is what comes before the boundary, group 2 the boundary.
BOUNDARY_CONTENT_TYPE = re.compile(
    r'(multipart/[a-z0-9.+-]{1,64}; boundary=")(={15}[0-9a-f]{19}==)"'
)


def with_boundary(model: Any, boundary: str) -> Any:
    """The header ``model`` (a parsed ``Content-Type`` whose boundary is
    :data:`MODEL_BOUNDARY`) with ``boundary`` instead, as the header factory would
    parse it, without parsing; ``None`` if ``model`` is not such a header.

    The new header is of ``model``'s class, with ``model``'s parse tree in which
    the nodes down to the boundary are copies and the boundary's terminal reads
    ``boundary``. The boundary is a quoted string of the model's length and
    characters of the same kind, so the header folds as the model does with
    the one string replaced (:class:`~django_ses.sending.email_policy.SMTPPolicy`
    folds it so, from the model's kept folding).
    """
    params = getattr(model, "_params", None)
    if not isinstance(params, dict) or params.get("boundary") != MODEL_BOUNDARY or model.defects:
        return None
    terminal = getattr(model, _BOUNDARY_TERMINAL, None)
    if terminal is None:  # the model's first use
        found = [t for t in _terminals(model._parse_tree) if t == MODEL_BOUNDARY]
        terminal = frozenset({id(found[0])}) if len(found) == 1 else frozenset()
        setattr(model, _BOUNDARY_TERMINAL, terminal)
    if not terminal:
        return None
    return _from_model(
        model,
        str(model).replace(MODEL_BOUNDARY, boundary),
        _parse_tree=_rebuild(model._parse_tree, terminal, iter([boundary])),
        _params={**params, "boundary": boundary},
        **{MODEL_OF: (model, boundary)},
    )


def with_datetime(model: Any, value: dt.datetime, written: str) -> Any:
    """The date header ``model``, parsed from ``written`` (``value`` as
    :func:`email.utils.format_datetime` writes it), with ``value`` as its
    ``datetime``: the header the factory makes from ``value``; ``None`` if
    ``model`` is not such a header.

    Made from a ``datetime``, a date header is parsed from the date as written
    (to the second), so the messages of one second share the model's parse.
    """
    if not hasattr(model, "_datetime") or str(model) != written or model.defects:
        return None
    return _from_model(model, written, _datetime=value)


def _from_model(model: Any, text: str, **state: Any) -> Any:
    """A header of ``model``'s class reading ``text``, with ``model``'s attributes
    but what this package keeps on it, and ``state`` over them."""
    header = type(model)._reconstruct(text)
    vars(header).update({k: v for k, v in vars(model).items() if not k.startswith(OURS)})
    vars(header).update(state)
    return header


def _copy_node(node: Any, children: Any) -> Any:
    """A token list of ``node``'s kind and attributes, holding ``children``."""
    copy = type(node)(children)
    vars(copy).update(vars(node), defects=list(node.defects))
    return copy


def _retext(terminal: Any, text: str) -> Any:
    """A terminal of ``terminal``'s kind and attributes, reading ``text``."""
    new = type(terminal)(text, terminal.token_type)
    vars(new).update(vars(terminal), defects=list(terminal.defects))
    return new


# -- address lists ------------------------------------------------------------------------

#: The value parser the standard registry gives every address header.
STANDARD_ADDRESS_PARSER = email.headerregistry.AddressHeader.value_parser
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_BARE_ADDRESS = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
#: Bare addresses separated by ``", "``, as Django joins a recipient list.
_BARE_ADDRESS_LIST = re.compile(rf"{_BARE_ADDRESS}(?:, {_BARE_ADDRESS})*")
#: The most atoms on either side of the ``@`` an address made from a model may have.
_MOST_ATOMS = 16


def parse_address_list(value: str) -> Any:
    """The parse tree of an address header's ``value``, as the email package parses it.

    A list of bare addresses is made from models (see the module docstring);
    anything else is given to the email package's own parser.
    """
    if isinstance(value, str) and _BARE_ADDRESS_LIST.fullmatch(value):
        made = _bare_address_list(value)
        if made is not None:
            return made
    return STANDARD_ADDRESS_PARSER(value)


def _bare_address_list(value: str) -> Any:
    tokens: list[Any] = []
    for index, address in enumerate(value.split(", ")):
        local, _, domain = address.partition("@")
        atoms = local.split(".") + domain.split(".")
        model = _address_model(local.count(".") + 1, domain.count(".") + 1, leading=index > 0)
        if model is None:
            return None
        tree, atom_ids = model
        if index:
            tokens.append(parser.ValueTerminal(",", "list-separator"))
        tokens.append(_rebuild(tree, atom_ids, iter(atoms)))
    return parser.AddressList(tokens)


@functools.lru_cache(maxsize=64)
def _address_model(
    local_atoms: int, domain_atoms: int, *, leading: bool
) -> tuple[Any, frozenset[int]] | None:
    """The parse of a bare address of this shape (after ``", "`` when ``leading``), and
    the ids of its atoms' terminals; ``None`` when the parse is not of the kind expected."""
    if local_atoms > _MOST_ATOMS or domain_atoms > _MOST_ATOMS:
        return None
    text = " " * leading + ".".join(["a"] * local_atoms) + "@" + ".".join(["a"] * domain_atoms)
    tree, rest = parser.get_address(text)
    atoms = [terminal for terminal in _terminals(tree) if terminal == "a"]
    if rest or str(tree) != text or tree.all_defects or len(atoms) != local_atoms + domain_atoms:
        return None
    return tree, frozenset(map(id, atoms))


def _terminals(node: Any) -> Iterator[Any]:
    for child in node:
        if isinstance(child, list):
            yield from _terminals(child)
        else:
            yield child


def _rebuild(node: Any, replaced: frozenset[int], texts: Iterator[str]) -> Any:
    """``node`` whose terminals of the ids ``replaced`` read ``texts``, in order: the
    nodes down to them copied, every other node shared."""
    children = []
    changed = False
    for child in node:
        if isinstance(child, list):
            new = _rebuild(child, replaced, texts)
        elif id(child) in replaced:
            new = _retext(child, next(texts))
        else:
            new = child
        changed = changed or new is not child
        children.append(new)
    return _copy_node(node, children) if changed else node
