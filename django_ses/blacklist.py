"""The local blacklist: addresses that are never sent to.

Addresses are compared case-insensitively: they are stored lower-cased and
without a display name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from email.utils import getaddresses
from typing import Any

from django.db import IntegrityError, transaction


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
