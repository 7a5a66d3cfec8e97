"""The dispatch table: which ``handle_*`` hook of the view handles a message, and what follows.

One table, :data:`EVENT_ROUTES`, maps each SES event kind of
:data:`django_ses.events.EVENT_KINDS` to the name of its hook on
:class:`~django_ses.webhook.views.SESEventWebhookView` and to what the
default hook does after the kind's signals: for bounces and complaints, the
blacklist, when its setting is on. Subclasses override the hooks by name; the
view looks them up here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django_ses.blacklist import blacklist_bounced, blacklist_complained
from django_ses.conf import get_setting
from django_ses.events import EVENT_KINDS, SESEvent, event_kind_for, ses_event_type

__all__ = [
    "EVENT_ROUTES",
    "RECEIVED_HOOK",
    "SNS_TYPE_HOOKS",
    "UNKNOWN_EVENT_HOOK",
    "UNKNOWN_TYPE_HOOK",
    "BlacklistRule",
    "EventRoute",
    "after_signals",
    "event_hook",
    "sns_type_hook",
]


@dataclass(frozen=True)
class BlacklistRule:
    """Blacklist the addresses of an event's detail when ``setting`` is on."""

    setting: str
    add: Callable[..., int]  # (detail, *, source) -> how many were new


@dataclass(frozen=True)
class EventRoute:
    """How one SES event kind is handled: its hook, and what follows its signals."""

    hook: str
    blacklist: BlacklistRule | None = None


_BLACKLIST_RULES = {
    "bounce": BlacklistRule("AWS_SES_ADD_BOUNCE_TO_BLACKLIST", blacklist_bounced),
    "complaint": BlacklistRule("AWS_SES_ADD_COMPLAINT_TO_BLACKLIST", blacklist_complained),
}

#: Every SES event kind, by its normalised name (``"bounce"``…): its route.
EVENT_ROUTES: dict[str, EventRoute] = {
    kind.event_type: EventRoute(f"handle_{kind.event_type}", _BLACKLIST_RULES.get(kind.event_type))
    for kind in EVENT_KINDS
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


def _feedback_source(event: SESEvent) -> str:
    feedback_id = event.detail.get("feedbackId")
    return feedback_id if isinstance(feedback_id, str) and feedback_id else event.message_id


def after_signals(event: SESEvent) -> None:
    """What the default hook of the event's kind does once its signals were sent."""
    route = EVENT_ROUTES.get(event.event_type)
    rule = route.blacklist if route is not None else None
    if rule is not None and get_setting(rule.setting):
        rule.add(event.detail, source=_feedback_source(event))
