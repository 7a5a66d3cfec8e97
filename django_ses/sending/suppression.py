"""The blacklist applied to a send: which recipients are suppressed (``AWS_SES_USE_BLACKLIST``).

One query per call (:meth:`Suppression.lookup`); the blacklist itself is
:mod:`django_ses.blacklist`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django_ses.blacklist import filter_blacklisted_recipients, normalize_address
from django_ses.sending.mime import Recipient

__all__ = ["Suppression"]


@dataclass(frozen=True)
class Suppression:
    """The normalised addresses of a send that are on the blacklist."""

    blocked: frozenset[str] = frozenset()

    @classmethod
    def lookup(cls, addresses: Iterable[str], *, enabled: bool) -> Suppression:
        """The blacklisted ``addresses``, in one query; nothing when ``enabled`` is False."""
        if not enabled:
            return cls()
        unique = list(dict.fromkeys(addresses))
        if not unique:
            return cls()
        allowed = {normalize_address(a) for a in filter_blacklisted_recipients(unique)}
        return cls(frozenset(normalize_address(a) for a in unique) - allowed)

    def allows(self, address: str) -> bool:
        """True unless ``address`` is on the blacklist."""
        return not self.blocked or normalize_address(address) not in self.blocked

    def split(self, recipients: Sequence[Recipient]) -> tuple[list[Recipient], tuple[str, ...]]:
        """``(recipients to send to, addresses suppressed)``, each in order."""
        if not self.blocked:
            return list(recipients), ()
        allowed = [r for r in recipients if self.allows(r.address)]
        suppressed = tuple(r.address for r in recipients if not self.allows(r.address))
        return allowed, suppressed
