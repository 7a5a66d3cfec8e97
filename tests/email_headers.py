"""What the tests of the email policies and of the header models compare against."""

from __future__ import annotations

import email.headerregistry
import email.policy
from typing import Any

#: Policy settings a header is folded under, each compared with the standard policy's folding.
FOLDING_SETTINGS: list[dict[str, Any]] = [
    {},
    {"max_line_length": 40},
    {"max_line_length": 20},  # a boundary parameter is split over lines
    {"max_line_length": 0},
    {"utf8": True},
    {"linesep": "\n"},
]


def standard_header(name: str, value: Any) -> Any:
    """The header the email package's own registry makes."""
    return email.headerregistry.HeaderRegistry()(name, value)


def assert_folds_as_standard(fast_policy: Any, name: str, ours: Any, standard: Any) -> None:
    """``ours`` folds as ``standard`` does, under our policy and the standard one, for
    every :data:`FOLDING_SETTINGS`."""
    for settings in FOLDING_SETTINGS:
        stock = email.policy.SMTP.clone(**settings)
        assert fast_policy.clone(**settings).fold(name, ours) == stock.fold(name, standard)
        assert ours.fold(policy=stock) == standard.fold(policy=stock)


def parse_tree(header: Any) -> list[str]:
    """``header``'s parse tree, node for node: each node's kind, text and defects."""
    return list(header._parse_tree._pp())
