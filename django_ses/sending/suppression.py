"""The recipients a send leaves out: the blacklist, and the SES suppression list when checked.

``AWS_SES_USE_BLACKLIST``: the local blacklist (:mod:`django_ses.blacklist`),
one query per call. ``AWS_SES_CHECK_SUPPRESSION_LIST``: the SES account-level
suppression list, through :mod:`django_ses.sending.suppression_check`, for the
addresses the blacklist let through.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django_ses.blacklist import filter_blacklisted_recipients, normalize_address
from django_ses.sending.mime import Recipient
from django_ses.sending.suppression_check import SuppressionListCheck

__all__ = ["Suppression"]


@dataclass(frozen=True)
class Suppression:
    """The normalised addresses of a send that are left out."""

    #: Every address left out (blacklisted, or on the SES suppression list).
    blocked: frozenset[str] = frozenset()
    #: Those of ``blocked`` that are on the SES account-level suppression list.
    on_suppression_list: frozenset[str] = frozenset()

    @classmethod
    def lookup(
        cls,
        addresses: Iterable[str],
        *,
        enabled: bool,
        suppression_list: SuppressionListCheck | None = None,
    ) -> Suppression:
        """The blacklisted ``addresses`` (when ``enabled``, one query), then the SES-suppressed."""
        unique = list(dict.fromkeys(addresses))
        if not unique or (not enabled and suppression_list is None):
            return cls()
        blacklisted: frozenset[str] = frozenset()
        if enabled:
            allowed = {normalize_address(a) for a in filter_blacklisted_recipients(unique)}
            blacklisted = frozenset(normalize_address(a) for a in unique) - allowed
        listed: frozenset[str] = frozenset()
        if suppression_list is not None:
            rest = (a for a in unique if normalize_address(a) not in blacklisted)
            listed = frozenset(suppression_list.suppressed(rest))
        return cls(blacklisted | listed, listed)

    def allows(self, address: str) -> bool:
        """True unless ``address`` is left out."""
        return not self.blocked or normalize_address(address) not in self.blocked

    def split(self, recipients: Sequence[Recipient]) -> tuple[list[Recipient], tuple[str, ...]]:
        """``(recipients to send to, addresses left out)``, each in order."""
        if not self.blocked:
            return list(recipients), ()
        allowed = [r for r in recipients if self.allows(r.address)]
        suppressed = tuple(r.address for r in recipients if not self.allows(r.address))
        return allowed, suppressed

    def listed(self, addresses: Sequence[str]) -> tuple[str, ...]:
        """Those of ``addresses`` that are on the SES suppression list, in order."""
        if not self.on_suppression_list:
            return ()
        return tuple(a for a in addresses if normalize_address(a) in self.on_suppression_list)
