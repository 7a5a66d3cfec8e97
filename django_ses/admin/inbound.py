"""Admin of inbound mail that could not be handled (``FailedInboundEmail``)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.contrib import admin
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from django_ses.admin.bases import ReadOnlyAdmin, pretty_json
from django_ses.admin.export import csv_export_action
from django_ses.models import FailedInboundEmail

__all__ = ["FailedInboundEmailAdmin", "download_raw_messages"]

EXPORT_FIELDS = (
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
    fields = (*EXPORT_FIELDS, "raw_size", "notification_pretty")
    readonly_fields = fields
    actions = [
        download_raw_messages,
        csv_export_action(EXPORT_FIELDS, "failed-inbound-emails"),
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
