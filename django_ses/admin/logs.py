"""Admin of the two logs django_ses writes: the webhook's events and failed inbound mail.

Rows are written by django_ses; people read them, delete them, process an
event again or download a raw message.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from django_ses.csv_export import csv_export_action
from django_ses.models import FailedInboundEmail, SNSNotification
from django_ses.webhook.reprocess import process_again as queue_again

__all__ = [
    "FailedInboundEmailAdmin",
    "ReadOnlyAdmin",
    "SNSNotificationAdmin",
    "download_raw_messages",
    "pretty_json",
]

# ModelAdmin is generic for type checkers only.
if TYPE_CHECKING:
    AnyModelAdmin = admin.ModelAdmin[Any]
else:
    AnyModelAdmin = admin.ModelAdmin


def pretty_json(value: Any) -> str:
    if value in (None, "", [], {}):
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class ReadOnlyAdmin(AnyModelAdmin):
    """A log: rows are written by django_ses, people only read and delete them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- SNSNotification (the webhook's event log) -------------------------------------------------


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


# -- FailedInboundEmail ------------------------------------------------------------------------

INBOUND_EXPORT_FIELDS = (
    "created_at",
    "sns_message_id",
    "ses_message_id",
    "action_type",
    "bucket_name",
    "object_key",
    "reason",
)


def _eml_name(obj: FailedInboundEmail) -> str:
    stem = obj.ses_message_id or obj.sns_message_id or f"failed-inbound-{obj.pk}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    return f"{safe}.eml"


@admin.action(description="Download raw messages", permissions=["view"])
def download_raw_messages(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    """One selected message downloads as .eml; several download as a .zip of .eml files."""
    with_raw = [obj for obj in queryset.order_by("pk") if obj.raw_message]
    missing = queryset.count() - len(with_raw)
    if not with_raw:
        modeladmin.message_user(
            request, "None of the selected entries has a raw message.", level="warning"
        )
        return None
    if missing:
        modeladmin.message_user(
            request, f"{missing} selected entries have no raw message.", level="warning"
        )
    if len(with_raw) == 1:
        obj = with_raw[0]
        response = HttpResponse(bytes(obj.raw_message), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="{_eml_name(obj)}"'
        return response
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for obj in with_raw:
            archive.writestr(f"{obj.pk}-{_eml_name(obj)}", bytes(obj.raw_message))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="failed-inbound-{stamp}.zip"'
    return response


@admin.register(FailedInboundEmail)
class FailedInboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ses_message_id", "action_type", "short_reason", "has_raw")
    list_filter = ("action_type", "created_at")
    search_fields = ("=ses_message_id", "=sns_message_id", "object_key", "reason")
    date_hierarchy = "created_at"
    list_per_page = 100
    fields = (*INBOUND_EXPORT_FIELDS, "raw_size", "notification_pretty")
    readonly_fields = fields
    actions = [
        download_raw_messages,
        csv_export_action(INBOUND_EXPORT_FIELDS, "failed-inbound-emails"),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[FailedInboundEmail]:
        # The change list must not load every raw message.
        has_raw = ExpressionWrapper(Q(raw_message__isnull=False), output_field=BooleanField())
        queryset: QuerySet[FailedInboundEmail] = (
            super()
            .get_queryset(request)
            .defer("raw_message", "notification")
            .annotate(has_raw_message=has_raw)
        )
        return queryset

    @admin.display(description="Reason")
    def short_reason(self, obj: FailedInboundEmail) -> str:
        return obj.reason if len(obj.reason) <= 80 else obj.reason[:79] + "…"

    @admin.display(description="Raw message", boolean=True)
    def has_raw(self, obj: FailedInboundEmail) -> bool:
        return bool(getattr(obj, "has_raw_message", False))

    @admin.display(description="Raw message size")
    def raw_size(self, obj: FailedInboundEmail) -> str:
        if not obj.raw_message:
            return "-"
        return f"{len(bytes(obj.raw_message)):,} bytes (use the “Download raw messages” action)"

    @admin.display(description="Notification")
    def notification_pretty(self, obj: FailedInboundEmail) -> str:
        return pretty_json(obj.notification)
