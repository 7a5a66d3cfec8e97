"""The account's sending identities (addresses and domains), asked of SES v1 or v2."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django_ses.reporting.clients import call, paginate
from django_ses.reporting.data import Identity

__all__ = ["fetch_identities_v1", "fetch_identities_v2"]

# GetIdentityVerificationAttributes takes at most 100 identities per call.
_VERIFICATION_BATCH = 100

# v1 spells verification statuses differently from v2; the dashboard uses v2's.
_V1: defaultdict[str, str] = defaultdict(
    lambda: "NOT_STARTED",
    {
        "Success": "SUCCESS",
        "Pending": "PENDING",
        "Failed": "FAILED",
        "TemporaryFailure": "TEMPORARY_FAILURE",
        "NotStarted": "NOT_STARTED",
    },
)


def _kind(name: str) -> str:
    return "email" if "@" in name else "domain"


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _identity_order(identity: Identity) -> tuple[int, str]:
    """Domains first, then addresses, each alphabetically."""
    return (0 if identity.kind == "domain" else 1, identity.name)


def fetch_identities_v1(client: Any) -> list[Identity]:
    """Every v1 identity (addresses and domains) with its verification status."""
    names: list[str] = []
    for answer in paginate(client, "ListIdentities", "list_identities", {"MaxItems": 1000}):
        names.extend(answer.get("Identities", []))
    statuses: dict[str, Any] = {}
    for batch in _batches(names, _VERIFICATION_BATCH):
        answer = call(
            client,
            "GetIdentityVerificationAttributes",
            "get_identity_verification_attributes",
            Identities=list(batch),
        )
        statuses.update(answer.get("VerificationAttributes", {}))
    identities = []
    for name in names:
        v1_status = str(statuses.get(name, {}).get("VerificationStatus", "NotStarted"))
        identities.append(Identity(name=name, kind=_kind(name), verification_status=_V1[v1_status]))
    return sorted(identities, key=_identity_order)


def fetch_identities_v2(client: Any) -> list[Identity]:
    """Every v2 email identity (addresses and domains) with its verification status."""
    identities = []
    answers = paginate(client, "ListEmailIdentities", "list_email_identities", {"PageSize": 1000})
    for answer in answers:
        for item in answer.get("EmailIdentities", []):
            kind = "email" if item.get("IdentityType") == "EMAIL_ADDRESS" else "domain"
            identities.append(
                Identity(
                    name=str(item.get("IdentityName", "")),
                    kind=kind,
                    verification_status=str(item.get("VerificationStatus") or "NOT_STARTED"),
                    sending_enabled=item.get("SendingEnabled"),
                )
            )
    return sorted(identities, key=_identity_order)
