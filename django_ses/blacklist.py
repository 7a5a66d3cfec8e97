"""The local blacklist: addresses that are never sent to.

Addresses are compared case-insensitively: they are stored lower-cased and
without a display name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any

from django.db import IntegrityError, transaction

# _MODELS_LATE: the model is imported inside the functions, for app loading: the
# backend (through django_ses.addresses) and django_ses.utils import this module,
# possibly before Django's app registry is ready.


def normalize_address(address: str) -> str:
    """Return the bare, lower-cased address of ``address``.

    ``"Jane <Jane@Example.COM>"`` becomes ``"jane@example.com"``.
    """
    pairs = getaddresses([address])
    bare = pairs[0][1] if pairs and pairs[0][1] else address
    return bare.strip().lower()


def filter_blacklisted_recipients(addresses: Sequence[str]) -> list[str]:
    """Return ``addresses`` without the blacklisted ones, in order.

    Display names of the remaining recipients are kept. Costs one query.
    """
    from django_ses.models import BlacklistedEmail  # app loading: utils imports this module

    if not addresses:
        return []
    normalized = {normalize_address(a) for a in addresses}
    blocked = set(
        BlacklistedEmail.objects.filter(email__in=normalized).values_list("email", flat=True)
    )
    if not blocked:
        return list(addresses)
    return [a for a in addresses if normalize_address(a) not in blocked]


# django-ses treats 5.x.x as permanent; SES omits ``status`` for some bounces,
# in which case the bounce type decides.
def get_permanent_bounced_emails_from_bounce_obj(bounce_obj: Mapping[str, Any]) -> list[str]:
    """Return the normalised addresses of ``bounce_obj`` that bounced permanently."""
    bounce_type = bounce_obj.get("bounceType")
    emails: list[str] = []
    for recipient in bounce_obj.get("bouncedRecipients") or []:
        if not isinstance(recipient, Mapping):
            continue
        address = recipient.get("emailAddress")
        if not isinstance(address, str) or not address:
            continue
        status = recipient.get("status")
        if isinstance(status, str) and status.strip():
            permanent = status.strip().startswith("5")
        else:
            permanent = bounce_type == "Permanent"
        if permanent:
            emails.append(normalize_address(address))
    return emails


def get_emails_from_complaint_obj(complaint_obj: Mapping[str, Any]) -> list[str]:
    """Return the normalised addresses of the complained recipients."""
    emails: list[str] = []
    for recipient in complaint_obj.get("complainedRecipients") or []:
        if isinstance(recipient, Mapping):
            address = recipient.get("emailAddress")
            if isinstance(address, str) and address:
                emails.append(normalize_address(address))
    return emails


def add_to_blacklist(addresses: Iterable[str], *, reason: str, source: str = "") -> int:
    """Blacklist ``addresses``; idempotent. Returns how many were new."""
    from django_ses.models import BlacklistedEmail  # app loading: utils imports this module

    wanted = {normalize_address(a) for a in addresses if a}
    if not wanted:
        return 0
    existing = set(
        BlacklistedEmail.objects.filter(email__in=wanted).values_list("email", flat=True)
    )
    new = sorted(wanted - existing)
    created = 0
    for email in new:
        try:
            with transaction.atomic():
                BlacklistedEmail.objects.create(email=email, reason=reason, source=source[:255])
            created += 1
        except IntegrityError:
            # Added concurrently by another process: that is the state we want.
            pass
    return created


def blacklist_bounced(bounce_obj: Mapping[str, Any], *, source: str = "") -> int:
    """Blacklist the permanently bounced recipients of an SES bounce; returns how many were new."""
    from django_ses.models import BlacklistedEmail  # app loading: utils imports this module

    return add_to_blacklist(
        get_permanent_bounced_emails_from_bounce_obj(bounce_obj),
        reason=str(BlacklistedEmail.Reason.BOUNCE),
        source=source,
    )


def blacklist_complained(complaint_obj: Mapping[str, Any], *, source: str = "") -> int:
    """Blacklist the complained recipients of an SES complaint; returns how many were new."""
    from django_ses.models import BlacklistedEmail  # app loading: utils imports this module

    return add_to_blacklist(
        get_emails_from_complaint_obj(complaint_obj),
        reason=str(BlacklistedEmail.Reason.COMPLAINT),
        source=source,
    )


def blacklist_unsubscribed(email: str, *, source: str = "") -> int:
    """Blacklist an address that used its unsubscribe link; returns 1 if it was new, else 0."""
    from django_ses.models import BlacklistedEmail  # app loading: utils imports this module

    return add_to_blacklist(
        [email], reason=str(BlacklistedEmail.Reason.UNSUBSCRIBED), source=source
    )


# ---- reporting: the writes of the admin and the management commands.
@dataclass(frozen=True)
class BlacklistEntry:
    """One address to blacklist, with its reason (a ``BlacklistedEmail.Reason``) and source."""

    email: str
    reason: str
    source: str = ""


def blacklisted(addresses: Iterable[str]) -> set[str]:
    """The normalised ``addresses`` that are blacklisted. Costs one query."""
    from django_ses.models import BlacklistedEmail  # app loading: see _MODELS_LATE

    wanted = {normalize_address(a) for a in addresses if a}
    if not wanted:
        return set()
    return set(BlacklistedEmail.objects.filter(email__in=wanted).values_list("email", flat=True))


def import_to_blacklist(entries: Iterable[BlacklistEntry], *, batch_size: int = 500) -> list[str]:
    """Blacklist ``entries`` in batches of ``batch_size``; idempotent.

    Returns the addresses that were not blacklisted before, in order. An entry
    whose address appears again later is ignored.
    """
    from django_ses.models import BlacklistedEmail  # app loading: see _MODELS_LATE

    unique: dict[str, BlacklistEntry] = {}
    for entry in entries:
        unique.setdefault(normalize_address(entry.email), entry)
    rows = list(unique.items())
    created: list[str] = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        with transaction.atomic():
            existing = blacklisted(email for email, _ in batch)
            new = [(email, entry) for email, entry in batch if email not in existing]
            BlacklistedEmail.objects.bulk_create(
                [
                    BlacklistedEmail(email=email, reason=entry.reason, source=entry.source[:255])
                    for email, entry in new
                ],
                ignore_conflicts=True,
            )
        created.extend(email for email, _ in new)
    return created


def remove_from_blacklist(addresses: Iterable[str]) -> set[str]:
    """Take ``addresses`` off the blacklist; returns the normalised ones that were on it."""
    from django_ses.models import BlacklistedEmail  # app loading: see _MODELS_LATE

    found = blacklisted(addresses)
    if found:
        BlacklistedEmail.objects.filter(email__in=found).delete()
    return found


def save_blacklist_entry(entry: Any) -> None:
    """Save a ``BlacklistedEmail`` edited by a person (the admin), its address normalised."""
    entry.email = normalize_address(entry.email)
    entry.save()
