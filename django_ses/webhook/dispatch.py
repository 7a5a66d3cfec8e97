"""The dispatch table: which ``handle_*`` hook of the view handles a message, and what follows.

One table, :data:`EVENT_ROUTES`, maps each SES event kind of
:data:`django_ses.events.EVENT_KINDS` to the name of its hook on
:class:`~django_ses.webhook.views.SESEventWebhookView` and its signals.
The blacklist follows from the signals: :func:`django_ses.signals.bounce_handler`
and :func:`~django_ses.signals.complaint_handler` receive them. Subclasses
override the hooks by name; the view looks them up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django_ses import signals
from django_ses.events import EVENT_KINDS, event_kind_for, ses_event_type

__all__ = [
    "EVENT_ROUTES",
    "RECEIVED_HOOK",
    "SNS_TYPE_HOOKS",
    "UNKNOWN_EVENT_HOOK",
    "UNKNOWN_TYPE_HOOK",
    "EventRoute",
    "event_hook",
    "is_heard",
    "sns_type_hook",
]


@dataclass(frozen=True)
class EventRoute:
    """How one SES event kind is handled: the name of its hook."""

    hook: str


#: Every SES event kind, by its normalised name (``"bounce"``…): its route.
EVENT_ROUTES: dict[str, EventRoute] = {
    kind.event_type: EventRoute(f"handle_{kind.event_type}") for kind in EVENT_KINDS
}

#: Inbound mail (``notificationType: Received``), and SES records of no known kind.
RECEIVED_HOOK = "handle_received"
UNKNOWN_EVENT_HOOK = "handle_unknown_event_type"

#: SNS message types other than ``Notification``, and the hook of each.
SNS_TYPE_HOOKS: dict[str, str] = {
    "SubscriptionConfirmation": "handle_subscription_confirmation",
    "UnsubscribeConfirmation": "handle_unsubscribe_confirmation",
}
UNKNOWN_TYPE_HOOK = "handle_unknown_notification_type"


def event_hook(message: Mapping[str, Any]) -> str:
    """The name of the hook that handles the SES record ``message``."""
    ses_type = ses_event_type(message)
    if ses_type == "Received":
        return RECEIVED_HOOK
    kind = event_kind_for(ses_type)
    return UNKNOWN_EVENT_HOOK if kind is None else EVENT_ROUTES[kind.event_type].hook


def sns_type_hook(message_type: str) -> str:
    """The name of the hook of an SNS message type other than ``Notification``."""
    return SNS_TYPE_HOOKS.get(message_type, UNKNOWN_TYPE_HOOK)


def is_heard(message: Mapping[str, Any]) -> bool:
    """Whether any receiver is connected to the signals the SES record ``message`` fires.

    Its kind's signal and ``event_received``; any record of no known kind
    counts as heard (its hook may do anything).
    """
    kind = event_kind_for(ses_event_type(message))
    return kind is None or bool(kind.signal.receivers) or bool(signals.event_received.receivers)
