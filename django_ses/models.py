"""Database models.

``SESStat`` and ``BlacklistedEmail`` keep the tables and columns that django-ses
created (migrations ``0001`` and ``0002``); everything else arrives in later
migrations. The send log's models are defined in :mod:`django_ses.send_log.models`
and imported here.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from django_ses.send_log.models import SentMessage, SentMessageEvent, SentRecipient


class SESStat(models.Model):
    """Sending statistics for one UTC day, as reported by SES."""

    date = models.DateField(unique=True, db_index=True)
    delivery_attempts = models.PositiveIntegerField()
    bounces = models.PositiveIntegerField()
    complaints = models.PositiveIntegerField()
    rejects = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True, null=True, blank=True)

    class Meta:
        verbose_name = "SES Stat"
        ordering = ["-date"]

    def __str__(self) -> str:
        return self.date.isoformat()


class BlacklistedEmail(models.Model):
    """An address that mail is never sent to when ``AWS_SES_USE_BLACKLIST`` is on.

    Addresses are stored lower-cased, without a display name.
    """

    class Reason(models.TextChoices):
        BOUNCE = "bounce", "Permanent bounce"
        COMPLAINT = "complaint", "Complaint"
        MANUAL = "manual", "Added by hand"
        SUPPRESSION_LIST = "suppression_list", "SES suppression list"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed (one-click link)"

    email = models.EmailField(max_length=255, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.MANUAL)
    source = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="The SES message id or feedback id that caused the entry.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "blacklisted email"
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class SNSNotification(models.Model):
    """One SNS message the webhook processed: the idempotency record and event log.

    Inline (``AWS_SES_EVENT_PROCESSING = "inline"``, the default) a row is
    committed only after the message was processed successfully. In tasks mode
    the row is committed ``queued`` together with the decision to enqueue the
    ``process_ses_event`` task, which marks it ``processed`` or ``failed``.
    Either way the unique ``sns_message_id`` makes a redelivered message a no-op.
    """

    class Status(models.TextChoices):
        PROCESSED = "processed", "Processed"
        QUEUED = "queued", "Queued"
        FAILED = "failed", "Failed"

    # Indexed: the MessageId (unique: the ledger's ON CONFLICT), the SES message
    # id (every event of one sent message), processed_at (pruning, the admin's
    # order and dates) and, partially, the rows not processed (queued, failed).
    # Every other index would be paid by each notification's insert.
    sns_message_id = models.CharField(max_length=128, unique=True)
    sns_type = models.CharField(max_length=40)
    topic_arn = models.CharField(max_length=255, blank=True, default="")
    event_type = models.CharField(max_length=40, blank=True, default="")
    ses_message_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    recipients = models.JSONField(default=list, blank=True)
    payload = models.JSONField(null=True, blank=True)
    processed_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROCESSED)
    error = models.TextField(
        blank=True, default="", help_text="Why processing the event in a task failed."
    )
    raw_message = models.TextField(
        blank=True,
        default="",
        help_text="The SNS request body, kept while the event waits for its task.",
    )
    view_path = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="The webhook view class whose handlers process the event in a task.",
    )

    class Meta:
        verbose_name = "SNS notification"
        ordering = ["-processed_at"]
        indexes = [
            models.Index(
                fields=["status"],
                condition=~models.Q(status="processed"),
                name="django_ses_sns_unprocessed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sns_type} {self.event_type or ''} {self.sns_message_id}".strip()


class FailedInboundEmail(models.Model):
    """Inbound mail that could not be handled for a permanent reason.

    The raw message (when it could be read) is kept here so a person can find
    it; nothing is dropped silently.
    """

    sns_message_id = models.CharField(max_length=128, blank=True, default="", db_index=True)
    ses_message_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    action_type = models.CharField(max_length=20, blank=True, default="")
    bucket_name = models.CharField(max_length=255, blank=True, default="")
    object_key = models.CharField(max_length=1024, blank=True, default="")
    reason = models.TextField()
    raw_message = models.BinaryField(null=True, blank=True)
    notification = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "failed inbound email"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ses_message_id or self.sns_message_id}: {self.reason[:60]}"


class QueuedDelivery(models.Model):
    """A queued message that did not go through at its first attempt.

    Written by the ``send_queued_email`` task (:mod:`django_ses.sending.outcomes`)
    when an attempt fails: ``retrying`` while a later attempt is queued, then
    ``sent``, ``failed`` (with the reason) or ``unknown`` (SES may have accepted
    it; it is never sent again automatically). A message sent at its first
    attempt gets no row.
    """

    class Status(models.TextChoices):
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown (may have been sent)"
        SUPPRESSED = "suppressed", "Suppressed"

    delivery_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    attempts = models.PositiveIntegerField(default=1)
    subject = models.TextField(blank=True, default="")
    from_email = models.CharField(max_length=255, blank=True, default="")
    recipients = models.JSONField(default=list, blank=True)
    message_ids = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="", help_text="The last attempt's error.")
    error_code = models.CharField(max_length=100, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "queued delivery"
        verbose_name_plural = "queued deliveries"
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status}"


__all__ = [
    "BlacklistedEmail",
    "FailedInboundEmail",
    "QueuedDelivery",
    "SESStat",
    "SNSNotification",
    "SentMessage",
    "SentMessageEvent",
    "SentRecipient",
]
