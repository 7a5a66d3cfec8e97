"""Admin of the queued messages that did not go through at once (``QueuedDelivery``).

Rows are written by the ``send_queued_email`` task; people read them (which
message failed, why, after how many attempts) and delete them.
"""

from __future__ import annotations

from django.contrib import admin

from django_ses.admin.logs import ReadOnlyAdmin
from django_ses.csv_export import csv_export_action
from django_ses.models import QueuedDelivery

__all__ = ["QueuedDeliveryAdmin"]

_FIELDS = (
    "delivery_id",
    "status",
    "attempts",
    "subject",
    "from_email",
    "recipients",
    "message_ids",
    "error",
    "error_code",
    "next_attempt_at",
    "created_at",
    "updated_at",
)


@admin.register(QueuedDelivery)
class QueuedDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("updated_at", "status", "attempts", "subject", "recipient_list", "short_error")
    list_filter = ("status", "error_code", "updated_at")
    search_fields = ("=delivery_id", "subject", "recipients", "message_ids", "error")
    date_hierarchy = "updated_at"
    list_per_page = 100
    fields = _FIELDS
    readonly_fields = _FIELDS
    actions = [csv_export_action(_FIELDS, "queued-deliveries")]

    @admin.display(description="Recipients")
    def recipient_list(self, obj: QueuedDelivery) -> str:
        recipients = obj.recipients if isinstance(obj.recipients, list) else []
        return ", ".join(str(r) for r in recipients) or "-"

    @admin.display(description="Reason")
    def short_error(self, obj: QueuedDelivery) -> str:
        return obj.error if len(obj.error) <= 80 else obj.error[:79] + "…"
