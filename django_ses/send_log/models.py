"""The send log's tables: messages, their recipients' states, and the events.

Rows reference a message by its SES message id (``to_field``), so the webhook
finds and updates a recipient, and adds an event, without reading the message
row first.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from django_ses.send_log.states import State

__all__ = ["SentMessage", "SentMessageEvent", "SentRecipient"]


class SentMessage(models.Model):
    """One message SES accepted: one row per SES message id.

    A message to more than 50 recipients is sent in several calls, and a
    templated bulk message gets one id per destination: each id is its own row.
    Written once, when SES accepts it; events change its recipients' rows.
    """

    message_id = models.CharField("SES message id", max_length=255, unique=True)
    from_email = models.CharField(max_length=998, blank=True, default="")
    #: The recipients' keys: bare addresses, or their hashes (AWS_SES_SEND_LOG_HASH_RECIPIENTS).
    recipients = models.JSONField(default=list, blank=True)
    subject = models.TextField(blank=True, default="")
    tags = models.JSONField(default=dict, blank=True)
    configuration_set = models.CharField(max_length=255, blank=True, default="", db_index=True)
    template = models.CharField(max_length=255, blank=True, default="")
    #: ``True`` when a QueuedSESBackend task sent it.
    queued = models.BooleanField(default=False)
    #: When SES accepted it.
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "sent message"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.message_id


class SentRecipient(models.Model):
    """One recipient of a sent message, and the furthest state its events reached."""

    message = models.ForeignKey(
        SentMessage,
        to_field="message_id",
        on_delete=models.CASCADE,
        related_name="recipient_states",
        db_index=False,  # the unique (message, recipient) index leads with it
    )
    recipient = models.CharField(max_length=255)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACCEPTED)
    #: STATE_RANKS[state]: a state replaces this one only with a rank at least as high.
    rank = models.SmallIntegerField(default=0)
    #: The event's detail: a bounce's type/subtype, a complaint's feedback type…
    detail = models.CharField(max_length=255, blank=True, default="")
    last_event_type = models.CharField(max_length=20, blank=True, default="")
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sent message recipient"
        constraints = [
            models.UniqueConstraint(
                fields=["message", "recipient"], name="django_ses_sentrecipient_unique"
            )
        ]
        indexes = [
            models.Index(fields=["recipient"], name="django_ses_sentrcpt_rcpt_idx"),
            models.Index(fields=["state"], name="django_ses_sentrcpt_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.state}"


class SentMessageEvent(models.Model):
    """One SES event about a logged message, with the recipients it concerns."""

    message = models.ForeignKey(
        SentMessage,
        to_field="message_id",
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # the (message, timestamp) index leads with it
    )
    event_type = models.CharField(max_length=20)
    recipients = models.JSONField(default=list, blank=True)
    #: The state the event moved its recipients to ("" when none), and its detail.
    state = models.CharField(max_length=20, blank=True, default="")
    detail = models.CharField(max_length=255, blank=True, default="")
    timestamp = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    sns_message_id = models.CharField(max_length=128, blank=True, default="")
    #: The SES event record (addresses hashed when AWS_SES_SEND_LOG_HASH_RECIPIENTS is on).
    raw = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = "sent message event"
        ordering = ["timestamp", "pk"]
        indexes = [
            models.Index(fields=["message", "timestamp"], name="django_ses_sentevt_msg_ts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"
