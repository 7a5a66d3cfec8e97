"""The send log: every accepted SES message, and what happened to it per recipient.

Off by default (``AWS_SES_SEND_LOG``). When on:

* :mod:`~django_ses.send_log.writer` writes one :class:`SentMessage` row per SES
  message id and one :class:`SentRecipient` row per recipient, in one bulk insert
  per table and per ``send_messages()`` call (or queued delivery);
* :mod:`~django_ses.send_log.receiver` listens to
  :data:`django_ses.signals.event_received` (the webhook, queued event processing
  and any other source of events), adds a :class:`SentMessageEvent` row and moves
  each recipient's state forward in the order of :data:`STATE_RANKS`;
* :mod:`~django_ses.send_log.prune` deletes old rows in batches.

The models live in :mod:`django_ses.send_log.models`; ``django_ses.models``
imports them (the app's models module).
"""

from __future__ import annotations

from django_ses.send_log.states import STATE_RANKS, State

__all__ = ["STATE_RANKS", "State"]
