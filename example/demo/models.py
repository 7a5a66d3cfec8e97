"""What the example's signal receivers store (see receivers.py)."""

from __future__ import annotations

from django.db import models


class ReceivedEvent(models.Model):
    """One SES event, as ``django_ses.signals.event_received`` delivered it."""

    event_type = models.CharField(max_length=40, db_index=True)
    message_id = models.CharField("SES message id", max_length=255, blank=True)
    recipients = models.JSONField(default=list)
    timestamp = models.DateTimeField("event time", null=True, blank=True)
    raw = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {', '.join(self.recipients)}"


class ReceivedEmail(models.Model):
    """One incoming message, as ``django_ses.signals.inbound_received`` delivered it."""

    ses_message_id = models.CharField(max_length=255, blank=True)
    action = models.CharField(
        max_length=10, blank=True, help_text="The receipt rule's action: SNS or S3."
    )
    mail_from = models.CharField("from", max_length=998, blank=True)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=998, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    attachments = models.JSONField(default=list)  # [{"filename", "content_type", "size"}]
    raw_size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mail_from}: {self.subject}"
