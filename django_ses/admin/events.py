"""Admin of the webhook's event log (``SNSNotification``): read, delete, process again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import HttpRequest

from django_ses.admin.bases import ReadOnlyAdmin, pretty_json
from django_ses.admin.export import csv_export_action
from django_ses.models import SNSNotification
from django_ses.webhook import process_again as queue_again

__all__ = ["SNSNotificationAdmin"]


@admin.register(SNSNotification)
class SNSNotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "processed_at",
        "sns_type",
        "event_type",
        "status",
        "ses_message_id",
        "recipient_list",
        "topic_arn",
    )
    list_filter = ("status", "sns_type", "event_type", "processed_at")
    search_fields = ("=sns_message_id", "=ses_message_id", "topic_arn", "recipients")
    date_hierarchy = "processed_at"
    list_per_page = 100
    fields = (
        "sns_message_id",
        "sns_type",
        "topic_arn",
        "event_type",
        "ses_message_id",
        "recipient_list",
        "processed_at",
        "status",
        "error",
        "payload_pretty",
    )
    readonly_fields = fields
    actions = [
        "process_again",
        csv_export_action(
            (
                "processed_at",
                "sns_message_id",
                "sns_type",
                "topic_arn",
                "event_type",
                "ses_message_id",
                "recipients",
            ),
            "sns-notifications",
        ),
    ]

    @admin.display(description="Recipients")
    def recipient_list(self, obj: SNSNotification) -> str:
        recipients = obj.recipients if isinstance(obj.recipients, list) else []
        return ", ".join(str(r) for r in recipients) or "-"

    @admin.display(description="Payload")
    def payload_pretty(self, obj: SNSNotification) -> str:
        return pretty_json(obj.payload)

    def has_process_permission(self, request: HttpRequest) -> bool:
        """Re-processing events is for the people who may delete them."""
        return self.has_delete_permission(request)

    @admin.action(description="Process again", permissions=["process"])
    def process_again(self, request: HttpRequest, queryset: QuerySet[SNSNotification]) -> None:
        """Enqueue the ``process_ses_event`` task again for failed or queued events."""
        queued = skipped = 0
        try:
            for notification in queryset.iterator(chunk_size=200):
                if queue_again(notification):
                    queued += 1
                else:
                    skipped += 1
        except ImproperlyConfigured as error:
            self.message_user(request, f"Nothing more was queued: {error}", messages.ERROR)
            return
        if queued:
            self.message_user(request, f"Queued {queued} event(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} event(s) that were not failed or queued, or that do "
                "not hold the message they came in.",
                messages.WARNING,
            )
