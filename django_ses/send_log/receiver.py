"""Updates the send log from SES events, through :data:`django_ses.signals.event_received`.

:func:`record_event` is the receiver. It is connected when the app is ready and
``AWS_SES_SEND_LOG`` is on (and connected or disconnected when the setting
changes), so every source of events feeds the log: the webhook, queued event
processing (``AWS_SES_EVENT_PROCESSING = "tasks"``), the admin's "Process
again", or a project's own consumer that sends ``event_received``.

An event costs two statements:

1. one ``UPDATE`` of the event's recipients, found through the unique
   ``(message_id, recipient)`` index, that moves each one's state forward only
   when the new state ranks at least as high (:data:`~django_ses.send_log.states.STATE_RANKS`);
2. when it matched a row, one ``INSERT`` of the event.

An event for a message that is not in the log matches nothing in step 1 and
stops there. A database error propagates, so the webhook answers 5xx and SNS
delivers the event again.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, CharField, DateTimeField, F, Q, SmallIntegerField, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from django_ses import signals
from django_ses.events import SESEvent
from django_ses.send_log.config import enabled, hashing
from django_ses.send_log.keys import recipient_keys, redact
from django_ses.send_log.models import SentMessageEvent, SentRecipient
from django_ses.send_log.states import transition

__all__ = ["connect", "disconnect", "on_event_received", "record_event", "sync_with_setting"]

DISPATCH_UID = "django_ses.send_log"


def record_event(event: SESEvent) -> bool:
    """Apply ``event`` to the log; ``False`` when it is about no logged recipient."""
    if not event.message_id or not event.recipients:
        return False
    hashed = hashing()
    keys = recipient_keys(event.recipients, hashed=hashed)
    move = transition(event.event_type, event.detail)
    at = event.timestamp or timezone.now()
    latest = Q(last_event_at__isnull=True) | Q(last_event_at__lte=at)
    when = Value(at, output_field=DateTimeField())
    updates: dict[str, Any] = {
        "last_event_type": Case(
            When(latest, then=Value(event.event_type)),
            default=F("last_event_type"),
            output_field=CharField(),
        ),
        "last_event_at": Greatest(Coalesce(F("last_event_at"), when), when),
    }
    if move.state is not None:
        wins = Q(rank__lte=move.rank)
        updates["state"] = Case(
            When(wins, then=Value(move.state)), default=F("state"), output_field=CharField()
        )
        updates["detail"] = Case(
            When(wins, then=Value(move.detail)), default=F("detail"), output_field=CharField()
        )
        # Last: MySQL evaluates SET clauses left to right, with the new values.
        updates["rank"] = Case(
            When(wins, then=Value(move.rank)),
            default=F("rank"),
            output_field=SmallIntegerField(),
        )
    matched = SentRecipient.objects.filter(message_id=event.message_id, recipient__in=keys).update(
        **updates
    )
    if not matched:
        return False
    SentMessageEvent.objects.create(
        message_id=event.message_id,
        event_type=event.event_type,
        recipients=keys,
        state=move.state or "",
        detail=move.detail,
        timestamp=event.timestamp,
        sns_message_id=event.sns_message_id[:128],
        raw=redact(event.raw) if hashed else event.raw,
    )
    return True


def on_event_received(sender: Any, event: SESEvent, **kwargs: Any) -> None:
    """The receiver of :data:`~django_ses.signals.event_received`."""
    record_event(event)


def connect() -> None:
    """Feed the log from ``event_received`` (idempotent)."""
    signals.event_received.connect(on_event_received, dispatch_uid=DISPATCH_UID)


def disconnect() -> None:
    signals.event_received.disconnect(dispatch_uid=DISPATCH_UID)


def sync_with_setting(*, setting: str = "AWS_SES_SEND_LOG", **kwargs: Any) -> None:
    """Connect or disconnect the receiver as ``AWS_SES_SEND_LOG`` says (``setting_changed``)."""
    if setting != "AWS_SES_SEND_LOG":
        return
    if enabled():
        connect()
    else:
        disconnect()
