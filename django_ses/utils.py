"""Public helpers kept importable from their django-ses locations.

The webhook views look up :func:`verify_event_message` here at request time, so
test suites can patch ``django_ses.utils.verify_event_message``.
"""

from __future__ import annotations

from django_ses.blacklist import (
    filter_blacklisted_recipients,
    get_emails_from_complaint_obj,
    get_permanent_bounced_emails_from_bounce_obj,
)
from django_ses.sns.certificates import clear_cert_cache
from django_ses.sns.signature import (
    BounceMessageVerifier,
    EventMessageVerifier,
    verify_bounce_message,
    verify_event_message,
)

__all__ = [
    "BounceMessageVerifier",
    "EventMessageVerifier",
    "clear_cert_cache",
    "filter_blacklisted_recipients",
    "get_emails_from_complaint_obj",
    "get_permanent_bounced_emails_from_bounce_obj",
    "verify_bounce_message",
    "verify_event_message",
]
