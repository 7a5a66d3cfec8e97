"""Signals sent by django_ses.

Every event signal is sent with ``mail_obj``, the kind-specific object (see the
table in the docs) and ``raw_message``; receivers must accept ``**kwargs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.dispatch import Signal

from django_ses.blacklist import blacklist_bounced, blacklist_complained, blacklist_unsubscribed
from django_ses.conf import get_setting

# Sending.
message_sent = Signal()  # message
# A queued message that will not be sent: message, error, delivery_id, attempts.
message_failed = Signal()

# SES events, one per event type: mail_obj, <kind>_obj, raw_message.
bounce_received = Signal()  # bounce_obj
complaint_received = Signal()  # complaint_obj
delivery_received = Signal()  # delivery_obj
send_received = Signal()  # send_obj
open_received = Signal()  # open_obj
click_received = Signal()  # click_obj
reject_received = Signal()  # reject_obj
rendering_failure_received = Signal()  # failure_obj
delivery_delay_received = Signal()  # delivery_delay_obj
subscription_received = Signal()  # subscription_obj

# Every SES event, normalised: event.
event_received = Signal()

# Inbound mail: mail_obj, receipt_obj, message, raw_message.
inbound_received = Signal()

# A recipient used their unsubscribe link (a one-click POST, or the confirmation page's
# button), sent by django_ses.unsubscribe.views.UnsubscribeView with:
#   email      the bare, lower-cased address the link was made for;
#   list_name  the list of ``message.ses_unsubscribe = "<list>"``, "" for all mail;
#   request    the HttpRequest.
# Sent for every valid POST, repeated ones included: receivers must be idempotent.
unsubscribe_received = Signal()


def _feedback_source(mail_obj: Any, detail: Mapping[str, Any]) -> str:
    feedback_id = detail.get("feedbackId")
    if isinstance(feedback_id, str) and feedback_id:
        return feedback_id
    message_id = mail_obj.get("messageId") if isinstance(mail_obj, Mapping) else None
    return message_id if isinstance(message_id, str) else ""


def _blacklist(setting: str, add: Any, mail_obj: Any, detail: Any) -> None:
    if get_setting(setting) and isinstance(detail, Mapping):
        add(detail, source=_feedback_source(mail_obj, detail))


def bounce_handler(
    sender: Any, mail_obj: Any, bounce_obj: Any, raw_message: Any, *args: Any, **kwargs: Any
) -> None:
    """Blacklist the permanently bounced recipients, when ``AWS_SES_ADD_BOUNCE_TO_BLACKLIST``.

    Connected to :data:`bounce_received` when the app is ready, as in django-ses;
    ``bounce_received.disconnect(bounce_handler)`` turns auto-blacklisting off.
    """
    _blacklist("AWS_SES_ADD_BOUNCE_TO_BLACKLIST", blacklist_bounced, mail_obj, bounce_obj)


def complaint_handler(
    sender: Any, mail_obj: Any, complaint_obj: Any, raw_message: Any, *args: Any, **kwargs: Any
) -> None:
    """Blacklist the complainers, as :func:`bounce_handler` does bounces (its setting:
    ``AWS_SES_ADD_COMPLAINT_TO_BLACKLIST``; disconnect it from :data:`complaint_received`)."""
    _blacklist("AWS_SES_ADD_COMPLAINT_TO_BLACKLIST", blacklist_complained, mail_obj, complaint_obj)


def unsubscribe_handler(sender: Any, email: str, list_name: str, **kwargs: Any) -> None:
    """Blacklist an address that unsubscribed, unless ``AWS_SES_UNSUBSCRIBE_BLACKLIST = False``.

    The entry's reason is ``unsubscribed`` and its source names the list. Connected
    to :data:`unsubscribe_received` when the app is ready; idempotent.
    """
    if get_setting("AWS_SES_UNSUBSCRIBE_BLACKLIST"):
        source = f"unsubscribe link: {list_name}" if list_name else "unsubscribe link"
        blacklist_unsubscribed(email, source=source)


def connect_blacklist_handlers() -> None:
    """Connect :func:`bounce_handler`, :func:`complaint_handler` and
    :func:`unsubscribe_handler` (idempotent)."""
    bounce_received.connect(bounce_handler)
    complaint_received.connect(complaint_handler)
    unsubscribe_received.connect(unsubscribe_handler)


__all__ = [
    "bounce_handler",
    "bounce_received",
    "click_received",
    "complaint_handler",
    "complaint_received",
    "connect_blacklist_handlers",
    "delivery_delay_received",
    "delivery_received",
    "event_received",
    "inbound_received",
    "message_failed",
    "message_sent",
    "open_received",
    "reject_received",
    "rendering_failure_received",
    "send_received",
    "subscription_received",
    "unsubscribe_handler",
    "unsubscribe_received",
]
