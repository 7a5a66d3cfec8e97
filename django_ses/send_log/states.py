"""A recipient's state in the send log, and the order in which states replace each other.

Pure: no database, no settings. :func:`transition` reads one
:class:`~django_ses.events.SESEvent` and says which state it moves its
recipients to (and a short detail such as a bounce's type and subtype).

A state replaces the current one only when its rank (:data:`STATE_RANKS`) is
at least the current rank, so events arriving out of order cannot move a
recipient backwards: a late Delivery never overwrites a Bounce, an Open never
overwrites a Complaint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The bounce subtype of a send to an address on the account-level suppression list
#: (``django_ses.events.SUPPRESSION_LIST_SUBTYPE``; not imported: the models import
#: this module, and the events module imports the signals, which import the models).
SUPPRESSION_LIST_SUBTYPE = "OnAccountSuppressionList"

__all__ = ["STATE_RANKS", "SUPPRESSION_LIST_SUBTYPE", "State", "Transition", "transition"]


class State:
    """The states, as stored (``SentRecipient.state``)."""

    ACCEPTED = "accepted"
    SENT = "sent"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    RENDERING_FAILED = "rendering_failed"
    REJECTED = "rejected"
    BOUNCED = "bounced"
    SUPPRESSED = "suppressed"
    COMPLAINED = "complained"
    UNSUBSCRIBED = "unsubscribed"

    #: ``(value, label)`` pairs, for the model field and the admin filter.
    choices: tuple[tuple[str, str], ...] = (
        (ACCEPTED, "Accepted by SES"),
        (SENT, "Sent (Send event)"),
        (DELAYED, "Delivery delayed"),
        (DELIVERED, "Delivered"),
        (OPENED, "Opened"),
        (CLICKED, "Clicked"),
        (RENDERING_FAILED, "Rendering failed"),
        (REJECTED, "Rejected"),
        (BOUNCED, "Bounced"),
        (SUPPRESSED, "On the SES suppression list"),
        (COMPLAINED, "Complained"),
        (UNSUBSCRIBED, "Unsubscribed"),
    )


#: Progress first, then failures, then what the recipient did about the mail.
STATE_RANKS: dict[str, int] = {
    State.ACCEPTED: 0,
    State.SENT: 10,
    State.DELAYED: 20,
    State.DELIVERED: 30,
    State.OPENED: 40,
    State.CLICKED: 50,
    State.RENDERING_FAILED: 60,
    State.REJECTED: 60,
    State.BOUNCED: 70,
    State.SUPPRESSED: 70,
    State.COMPLAINED: 80,
    State.UNSUBSCRIBED: 90,
}


@dataclass(frozen=True)
class Transition:
    """What an event does to its recipients' state (``state`` is ``None``: no change)."""

    state: str | None
    detail: str = ""

    @property
    def rank(self) -> int:
        return STATE_RANKS[self.state] if self.state is not None else -1


_SIMPLE: dict[str, str] = {
    "send": State.SENT,
    "delivery": State.DELIVERED,
    "open": State.OPENED,
}


def _text(detail: Mapping[str, Any], *keys: str) -> str:
    return "/".join(str(detail[k]) for k in keys if isinstance(detail.get(k), str) and detail[k])


def is_suppression_list_bounce(detail: Mapping[str, Any]) -> bool:
    """True for a Bounce because the address is on the account's suppression list."""
    return detail.get("bounceSubType") == SUPPRESSION_LIST_SUBTYPE


def _unsubscribed(detail: Mapping[str, Any]) -> bool:
    preferences = detail.get("newTopicPreferences")
    if not isinstance(preferences, Mapping):
        return False
    if preferences.get("unsubscribeAll") is True:
        return True
    topics = preferences.get("topicSubscriptionStatus")
    return isinstance(topics, list) and any(
        isinstance(t, Mapping) and t.get("subscriptionStatus") == "OptOut" for t in topics
    )


def transition(event_type: str, detail: Mapping[str, Any]) -> Transition:
    """The state an event of ``event_type`` (with its kind-specific ``detail``) leads to."""
    if event_type in _SIMPLE:
        return Transition(_SIMPLE[event_type])
    if event_type == "bounce":
        state = State.SUPPRESSED if is_suppression_list_bounce(detail) else State.BOUNCED
        return Transition(state, _text(detail, "bounceType", "bounceSubType"))
    if event_type == "complaint":
        return Transition(State.COMPLAINED, _text(detail, "complaintFeedbackType"))
    if event_type == "delivery_delay":
        return Transition(State.DELAYED, _text(detail, "delayType"))
    if event_type == "reject":
        return Transition(State.REJECTED, _text(detail, "reason"))
    if event_type == "click":
        return Transition(State.CLICKED, _text(detail, "link")[:255])
    if event_type == "rendering_failure":
        return Transition(State.RENDERING_FAILED, _text(detail, "errorMessage")[:255])
    if event_type == "subscription":
        if _unsubscribed(detail):
            return Transition(State.UNSUBSCRIBED, _text(detail, "contactList"))
        return Transition(None, _text(detail, "contactList"))
    return Transition(None)
